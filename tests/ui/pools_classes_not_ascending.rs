use blockpool::pools;

pools! {
    pub Bytes(classes = [(256, 4), (64, 8), (512, 2), (512, 1)]);
}

fn main() {}
