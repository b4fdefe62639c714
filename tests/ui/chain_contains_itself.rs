use blockpool::pools;

pub struct Msg {
    pub id: u32,
}

pools! {
    pub Fast(type = Msg, count = 4);
    pub Msgs(chain = [Fast, Msgs]);
    pub Left(chain = [Fast, Right]);
    pub Right(chain = [Left]);
}

fn main() {}
