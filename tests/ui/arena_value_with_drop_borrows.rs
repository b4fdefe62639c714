// Finding 3 of the soundness review: destructors run newest first at scope end, so an older value whose
// `Drop` reads a newer one would read a dropped value. `Arena::alloc` takes only `'static` values; values
// that borrow from the arena go in with `alloc_no_drop`, whose destructors never run.
use std::cell::Cell;

use blockpool::pools;

pools! {
    pub Scratch(arena = 256);
}

struct Reader<'a> {
    other: Cell<Option<&'a String>>,
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(other) = self.other.get() {
            println!("{other}");
        }
    }
}

fn main() {
    let _ = Scratch::scope(|arena| {
        let reader = arena.alloc(Reader { other: Cell::new(None) }).map_err(|e| e.error())?;
        let text = arena.alloc(String::from("dropped first")).map_err(|e| e.error())?;
        reader.other.set(Some(text));
        Ok(())
    });
}
