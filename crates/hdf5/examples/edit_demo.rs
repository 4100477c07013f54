//! Edit a file in place with the writer, for manual checks with h5py:
//! `cargo run -p loomfile-hdf5 --example edit_demo -- FILE.h5` (expects write_demo's output).

use loomfile_hdf5::{AttrValue, Selection, Writer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: edit_demo FILE.h5")?;
    let mut w = Writer::open(&path)?;
    w.set_attr("/g", "n", AttrValue::scalar(43i64))?;
    w.set_attr("/g/contig", "note", AttrValue::string("edited"))?;
    w.delete("/g/inner")?;
    w.create_group("/g/added")?;
    let shape = w.shape("/matrix")?;
    w.resize("/matrix", &[shape[0], shape[1] + 2])?;
    let n = shape[0] as usize * 2;
    w.write::<f32>(
        "/matrix",
        &[Selection::All, Selection::Range(shape[1], shape[1] + 2)],
        &vec![-1.0; n],
    )?;
    w.commit()?;
    w.set_attr("/", "second", AttrValue::scalar(2u8))?;
    w.finish()?;
    Ok(())
}
