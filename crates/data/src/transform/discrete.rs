//! One-hot encoding of a categorical or boolean column. A missing value is a category of its
//! own (the last one), so it round-trips like any other label.

use serde::{Deserialize, Serialize};

use crate::error::{DataError, DataResult};

/// How the missing category is shown in conditions and reports.
pub const MISSING_LABEL: &str = "<missing>";

/// The fitted encoder of one discrete column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DiscreteEncoder {
    /// The observed labels, sorted; a missing category, if any, is not among them.
    categories: Vec<String>,
    /// Whether the column had missing values (an extra, last category).
    has_missing: bool,
    /// Training counts per category (the missing one last), for reports and samplers.
    counts: Vec<usize>,
}

impl DiscreteEncoder {
    /// Collects the categories of a column; errors if there are more than `max_categories`.
    pub fn fit(column: &str, labels: &[Option<String>], max_categories: usize) -> DataResult<Self> {
        let mut categories: Vec<String> = labels.iter().flatten().cloned().collect();
        categories.sort_unstable();
        categories.dedup();
        let has_missing = labels.iter().any(Option::is_none);
        let n = categories.len() + usize::from(has_missing);
        if n > max_categories {
            return Err(DataError::TooManyCategories {
                column: column.to_string(),
                count: n,
                limit: max_categories,
            });
        }
        let mut enc = Self {
            categories,
            has_missing,
            counts: vec![0; n],
        };
        for l in labels {
            let i = enc.index_of(l.as_deref()).expect("label seen during fit");
            enc.counts[i] += 1;
        }
        Ok(enc)
    }

    /// Number of categories, the missing one included.
    pub fn n_categories(&self) -> usize {
        self.categories.len() + usize::from(self.has_missing)
    }

    /// The labels, with [`MISSING_LABEL`] last when the column had missing values.
    pub fn labels(&self) -> Vec<&str> {
        let mut l: Vec<&str> = self.categories.iter().map(String::as_str).collect();
        if self.has_missing {
            l.push(MISSING_LABEL);
        }
        l
    }

    /// Training counts per category, in [`DiscreteEncoder::labels`] order.
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// The one-hot position of a label (`None` = missing), if it was seen in training.
    pub fn index_of(&self, label: Option<&str>) -> Option<usize> {
        match label {
            None => self.has_missing.then_some(self.categories.len()),
            Some(l) => self.categories.binary_search_by(|c| c.as_str().cmp(l)).ok(),
        }
    }

    /// The one-hot position of a label given as text in a condition; [`MISSING_LABEL`] names
    /// the missing category.
    pub fn index_of_text(&self, text: &str) -> Option<usize> {
        if text == MISSING_LABEL {
            self.index_of(None)
        } else {
            self.index_of(Some(text))
        }
    }

    /// The label at one-hot position `i` (`None` for the missing category).
    pub fn label(&self, i: usize) -> Option<&str> {
        self.categories.get(i).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|x| x.map(str::to_string)).collect()
    }

    #[test]
    fn categories_are_sorted_with_missing_last() {
        let e = DiscreteEncoder::fit("c", &labels(&[Some("b"), None, Some("a"), Some("b")]), 10)
            .unwrap();
        assert_eq!(e.labels(), vec!["a", "b", MISSING_LABEL]);
        assert_eq!(e.counts(), &[1, 2, 1]);
        assert_eq!(e.index_of(None), Some(2));
        assert_eq!(e.index_of_text(MISSING_LABEL), Some(2));
        assert_eq!(e.index_of(Some("z")), None);
        assert_eq!(e.label(1), Some("b"));
        assert_eq!(e.label(2), None);
    }

    #[test]
    fn too_many_categories_is_an_error_naming_the_limit() {
        let e =
            DiscreteEncoder::fit("id", &labels(&[Some("a"), Some("b"), Some("c")]), 2).unwrap_err();
        assert!(
            e.to_string()
                .contains("3 categories, more than the limit of 2"),
            "{e}"
        );
    }
}
