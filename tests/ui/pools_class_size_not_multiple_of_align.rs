use blockpool::pools;

pools! {
    // The default alignment of a byte pool is 8.
    pub Bytes(classes = [(60, 4), (128, 2)]);
    pub Lines(classes = [(64, 4), (96, 2)], align = 64);
}

fn main() {}
