//! The benchmarks' output: one figure a line as `name: value unit`, or one JSON object.

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
}

impl Figure {
    pub fn new(name: impl Into<String>, value: f64, unit: &'static str) -> Figure {
        Figure {
            name: name.into(),
            value,
            unit,
        }
    }
}

/// Prints `figures` with `decimals` digits after the point, as lines or (`json`) one object.
pub fn print(figures: &[Figure], json: bool, decimals: usize) {
    if json {
        let body: Vec<String> = figures
            .iter()
            .map(|f| {
                format!(
                    "\"{}\": {{\"value\": {:.*}, \"unit\": \"{}\"}}",
                    f.name, decimals, f.value, f.unit
                )
            })
            .collect();
        println!("{{{}}}", body.join(", "));
    } else {
        for f in figures {
            println!("{}: {:.*} {}", f.name, decimals, f.value, f.unit);
        }
    }
}
