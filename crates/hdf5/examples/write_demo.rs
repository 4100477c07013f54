//! Write a small file with the writer (groups, datasets, attributes) to a path, for manual
//! checks with h5py: `cargo run -p loomfile-hdf5 --example write_demo -- OUT.h5`.

use loomfile_hdf5::{AttrValue, DatasetSpec, Datatype, Selection, Writer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: write_demo OUT.h5")?;
    let mut w = Writer::create(&out)?;
    w.create_group("/g")?;
    w.create_group("/g/inner")?;
    w.set_attr("/", "title", AttrValue::string("héllo"))?;
    w.set_attr("/g", "n", AttrValue::scalar(42i64))?;
    w.set_attr("/g", "arr", AttrValue::array(&[1.5f64, 2.5, 3.5], &[3]))?;
    w.set_attr("/g", "fixed", AttrValue::fixed_strings(&["a".into(), "bcd".into()]))?;
    w.create_dataset("/g/contig", DatasetSpec::contiguous(Datatype::int(4, true), &[2, 3]))?;
    w.write::<i32>("/g/contig", &[], &[1, 2, 3, 4, 5, 6])?;
    let spec = DatasetSpec::chunked(Datatype::float(4), &[5, 7], &[2, 3])
        .max_shape(&[Some(5), None])
        .gzip(2);
    w.create_dataset("/matrix", spec)?;
    let vals: Vec<f32> = (0..35).map(|i| i as f32 * 0.5).collect();
    w.write::<f32>("/matrix", &[], &vals)?;
    w.create_dataset("/names", DatasetSpec::chunked(Datatype::vlen_utf8(), &[4], &[3]).gzip(2))?;
    w.write_strings(
        "/names",
        &[],
        &["a".into(), "".into(), "日本".into(), "long string here".into()],
    )?;
    w.create_dataset(
        "/partial",
        DatasetSpec::chunked(Datatype::float(8), &[10], &[4]).fill(2.5f64.to_le_bytes().to_vec()),
    )?;
    w.write::<f64>("/partial", &[Selection::Range(5, 7)], &[1.0, 2.0])?;
    w.link_soft("/soft", "/g/contig")?;
    w.finish()?;
    Ok(())
}
