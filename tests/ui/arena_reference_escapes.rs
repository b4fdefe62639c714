use blockpool::pools;

pools! {
    pub Scratch(arena = 256);
}

fn main() {
    // Returned from the scope.
    let returned = Scratch::scope(|arena| Ok(arena.alloc(5u32)?));

    // Stored in a variable that outlives the scope.
    let mut kept: Option<&str> = None;
    let _ = Scratch::scope(|arena| {
        kept = Some(arena.alloc_str("text")?);
        Ok(())
    });

    // The arena itself.
    let arena = Scratch::scope(|arena| Ok(arena));

    let _ = (returned, kept, arena);
}
