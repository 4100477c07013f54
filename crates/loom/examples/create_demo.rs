//! Create a small loom file with the library, for manual checks with loompy:
//! `cargo run -p loomfile --example create_demo -- OUT.loom`.

use loomfile::{Axis, Contents, Graph, LayerData, LoomFile, Values};
use ndarray::Array2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: create_demo OUT.loom")?;
    let m =
        Array2::from_shape_fn(
            (100, 70),
            |(i, j)| if (i * 7 + j) % 5 == 0 { (i + j) as f32 } else { 0.0 },
        );
    let genes: Vec<String> = (0..100).map(|i| format!("gene{i}")).collect();
    let cells: Vec<String> = (0..70).map(|j| format!("cell_{j}_ü")).collect();
    let contents = Contents {
        row_attrs: vec![
            ("Gene", Values::strings(&genes)),
            ("Score", Values::from_vec((0..100).map(|i| i as f64 / 3.0).collect())),
        ],
        col_attrs: vec![
            ("CellID", Values::strings(&cells)),
            ("ClusterID", Values::from_vec((0..70).map(|j| (j % 4) as i64).collect())),
        ],
        file_attrs: vec![("Title", Values::string("démo"))],
    };
    LoomFile::create(&out, LayerData::Dense(m.view()), &contents)?;
    let mut f = LoomFile::open_rw(&out)?;
    let sp = Array2::from_shape_fn((100, 70), |(i, j)| ((i + 2 * j) % 3) as u16);
    f.set_layer("spliced", LayerData::Dense(sp.view()))?;
    f.set_graph(
        Axis::Cols,
        "KNN",
        &Graph { a: vec![0, 1, 2], b: vec![1, 2, 0], w: vec![1.0, 0.5, 0.25] },
    )?;
    f.set_global("Number", &Values::scalar(7i64))?;
    f.close()?;
    Ok(())
}
