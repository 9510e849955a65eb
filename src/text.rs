//! Small text helpers any layer may use.

use std::fmt::{Display, Write as _};

/// Appends `items` to `out`, each as it displays, separated by `sep`
/// ("2.0.2, 2.1, 3.1.1"), without a `String` per item.
pub fn push_joined<T: Display>(out: &mut String, items: impl IntoIterator<Item = T>, sep: &str) {
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        let _ = write!(out, "{x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_join() {
        for items in [vec![], vec!["a"], vec!["a", "bb", "", "c"]] {
            let mut out = String::from(">");
            push_joined(&mut out, &items, ", ");
            assert_eq!(out, format!(">{}", items.join(", ")));
        }
    }
}
