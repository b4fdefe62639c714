use blockpool::pools;

pools! {
    pub Bytes(classes = [(64, 0), (128, 70000), (256, 2)]);
}

fn main() {}
