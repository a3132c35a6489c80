//! `sqlx::migrate!` embeds ../migrations at compile time; without this, a
//! newly added migration file is not picked up until something else in
//! the crate changes (the binaries then say "migration N ... missing").

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
