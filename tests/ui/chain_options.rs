use blockpool::pools;

pub struct Msg {
    pub id: u32,
}

pools! {
    pub Fast(type = Msg, count = 4);
    pub Empty(chain = []);
    pub Odd(chain = [Fast, 3], count = 4, zeroize);
    pub NotAList(chain = Fast);
}

fn main() {}
