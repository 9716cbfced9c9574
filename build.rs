//! Rebuilds when course files are added or removed (include_dir! only tracks existing files).

fn main() {
    println!("cargo:rerun-if-changed=chapters");
    println!("cargo:rerun-if-changed=exercises");
}
