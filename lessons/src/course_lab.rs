//! Course labs: an instructor's description of one lab (a title, which lessons and exercises,
//! optional thresholds), read from a small JSON file served with the site under `static/labs/`
//! or imported by the student.
//!
//! Parsing is strict on purpose (unknown fields are errors): a lab file is written by hand, and a
//! misspelt key that silently did nothing would leave a whole class working on the wrong list.
//! [`parse`] checks the JSON shape, then [`LabFile::resolve`] checks every id against the
//! compiled-in lessons and gives the exact list of exercises the lab covers, in lab order.
//!
//! ```json
//! {
//!   "title": "Week 3: memory-bound kernels",
//!   "due": "2026-12-04",
//!   "items": [
//!     { "lesson": "roofline", "exercises": ["ridge-custom", "next-step"] },
//!     { "lesson": "kv-cache" }
//!   ]
//! }
//! ```

use crate::content::{self, LESSONS};
use crate::lesson;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// A lab file as written: the JSON shape, before any id is checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabFile {
    /// Shown as the lab page's heading and in the report.
    pub title: String,
    /// A paragraph for the students (plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it is due, as the instructor writes it (`2026-12-04`, `Friday 17:00`); shown, never
    /// interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Notes from the instructor (plain text), shown under the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The lessons, in the order the students should take them.
    pub items: Vec<LabItem>,
}

/// One lesson of a lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabItem {
    /// Lesson id, as in `/lessons/<id>`.
    pub lesson: String,
    /// Exercise ids of that lesson; absent means every exercise of the lesson.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercises: Option<Vec<String>>,
    /// Per-exercise threshold, a fraction in (0, 1] (for example the share of the roof a kernel
    /// exercise must reach). Stored and shown; the exercise kind decides what it means.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thresholds: BTreeMap<String, f64>,
}

/// One exercise a lab covers, after every id was checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabExercise {
    /// The lesson's id.
    pub lesson: &'static str,
    /// The exercise's id in that lesson.
    pub exercise: String,
    /// The instructor's threshold for this exercise, if any (a fraction in (0, 1]).
    pub threshold: Option<f64>,
}

/// Why a lab file was not accepted. Every message is one line a student can pass on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LabError {
    /// Not JSON, or not the shape of a lab file (serde's message names the field and line).
    #[error("not a lab file: {0}")]
    Json(String),
    /// The title is empty.
    #[error("the lab has no title")]
    NoTitle,
    /// No items, or items that select no exercise.
    #[error("the lab lists no exercises")]
    Empty,
    /// A lesson id that is not one of ours.
    #[error("unknown lesson '{lesson}'; the lessons are: {valid}")]
    UnknownLesson {
        /// The id in the file.
        lesson: String,
        /// Every lesson id, comma-separated.
        valid: String,
    },
    /// The same lesson in two items.
    #[error("lesson '{lesson}' is listed twice; list its exercises in one item")]
    DuplicateLesson {
        /// The repeated id.
        lesson: String,
    },
    /// An exercise id that the lesson does not have.
    #[error("unknown exercise '{exercise}' in lesson '{lesson}'; its exercises are: {valid}")]
    UnknownExercise {
        /// The lesson.
        lesson: String,
        /// The id in the file.
        exercise: String,
        /// That lesson's exercise ids, comma-separated.
        valid: String,
    },
    /// A threshold outside (0, 1].
    #[error(
        "threshold {value} for exercise '{exercise}' in lesson '{lesson}' must be a fraction \
         greater than 0 and at most 1"
    )]
    BadThreshold {
        /// The lesson.
        lesson: String,
        /// The exercise.
        exercise: String,
        /// The value in the file.
        value: f64,
    },
    /// A threshold for an exercise the item does not select.
    #[error("threshold for '{exercise}' in lesson '{lesson}', which the lab does not include")]
    ThresholdForUnlisted {
        /// The lesson.
        lesson: String,
        /// The exercise.
        exercise: String,
    },
    /// A compiled-in lesson that does not parse (a bug caught by the lessons' own tests).
    #[error("lesson '{lesson}' does not parse: {message}")]
    BrokenLesson {
        /// The lesson.
        lesson: String,
        /// The parser's message.
        message: String,
    },
}

/// Parses and checks a lab file: the JSON shape, then every id against the compiled-in lessons.
pub fn parse(text: &str) -> Result<Lab, LabError> {
    let file: LabFile = serde_json::from_str(text).map_err(|e| LabError::Json(e.to_string()))?;
    file.resolve()
}

/// A checked lab: the file and the exact exercises it covers, in lab order.
#[derive(Debug, Clone, PartialEq)]
pub struct Lab {
    /// The file as written.
    pub file: LabFile,
    /// Every exercise the lab covers.
    pub exercises: Vec<LabExercise>,
}

impl LabFile {
    /// Checks every lesson and exercise id and every threshold, and lists the exercises.
    pub fn resolve(self) -> Result<Lab, LabError> {
        if self.title.trim().is_empty() {
            return Err(LabError::NoTitle);
        }
        let mut seen = BTreeSet::new();
        let mut exercises = Vec::new();
        for item in &self.items {
            let Some(src) = content::find(&item.lesson) else {
                return Err(LabError::UnknownLesson {
                    lesson: item.lesson.clone(),
                    valid: LESSONS.iter().map(|l| l.id).collect::<Vec<_>>().join(", "),
                });
            };
            if !seen.insert(src.id) {
                return Err(LabError::DuplicateLesson {
                    lesson: item.lesson.clone(),
                });
            }
            let parsed = lesson::parse(src.text).map_err(|e| LabError::BrokenLesson {
                lesson: src.id.to_string(),
                message: e.to_string(),
            })?;
            let ids: Vec<String> = parsed.exercises().map(|e| e.id.clone()).collect();
            let chosen: Vec<String> = match &item.exercises {
                None => ids.clone(),
                Some(list) => {
                    for id in list {
                        if !ids.contains(id) {
                            return Err(LabError::UnknownExercise {
                                lesson: src.id.to_string(),
                                exercise: id.clone(),
                                valid: ids.join(", "),
                            });
                        }
                    }
                    list.clone()
                }
            };
            for (id, &value) in &item.thresholds {
                if !chosen.contains(id) {
                    return Err(LabError::ThresholdForUnlisted {
                        lesson: src.id.to_string(),
                        exercise: id.clone(),
                    });
                }
                // NaN fails both comparisons, so it is rejected too.
                if !(value > 0.0 && value <= 1.0) {
                    return Err(LabError::BadThreshold {
                        lesson: src.id.to_string(),
                        exercise: id.clone(),
                        value,
                    });
                }
            }
            let mut listed = BTreeSet::new();
            for id in chosen {
                // A repeated exercise id is counted once.
                if listed.insert(id.clone()) {
                    exercises.push(LabExercise {
                        lesson: src.id,
                        threshold: item.thresholds.get(&id).copied(),
                        exercise: id,
                    });
                }
            }
        }
        if exercises.is_empty() {
            return Err(LabError::Empty);
        }
        Ok(Lab {
            file: self,
            exercises,
        })
    }
}

/// The listing of the labs shipped with the site (`static/labs/index.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabIndex {
    /// The labs, in the order the page lists them.
    pub labs: Vec<LabIndexEntry>,
}

/// One shipped lab: its file is `static/labs/<id>.json` and its page `/labs/<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabIndexEntry {
    /// File stem and URL segment: lowercase letters, digits and hyphens.
    pub id: String,
    /// The lab's title (the same as in its file).
    pub title: String,
}

/// Parses the lab listing.
pub fn parse_index(text: &str) -> Result<LabIndex, LabError> {
    serde_json::from_str(text).map_err(|e| LabError::Json(e.to_string()))
}

/// Whether `id` can name a shipped lab: 1 to 64 lowercase ASCII letters, digits and hyphens, so
/// it is safe in a URL path and a file name.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> LabError {
        match parse(text) {
            Err(e) => e,
            Ok(lab) => panic!("accepted: {lab:?}"),
        }
    }

    #[test]
    fn a_lab_lists_the_chosen_exercises_in_order_with_thresholds() {
        let lab = parse(
            r#"{"title": "T", "due": "Friday", "items": [
                {"lesson": "roofline", "exercises": ["next-step", "ridge-custom"],
                 "thresholds": {"next-step": 0.6}},
                {"lesson": "kv-cache"}]}"#,
        )
        .unwrap();
        assert_eq!(lab.file.due.as_deref(), Some("Friday"));
        let got: Vec<(&str, &str, Option<f64>)> = lab
            .exercises
            .iter()
            .map(|e| (e.lesson, e.exercise.as_str(), e.threshold))
            .collect();
        assert_eq!(got[0], ("roofline", "next-step", Some(0.6)));
        assert_eq!(got[1], ("roofline", "ridge-custom", None));
        // Without a list, every exercise of the lesson, in lesson order.
        let kv = lesson::parse(content::find("kv-cache").unwrap().text).unwrap();
        let all: Vec<&str> = kv.exercises().map(|e| e.id.as_str()).collect();
        let listed: Vec<&str> = got[2..].iter().map(|g| g.1).collect();
        assert_eq!(listed, all);
        assert!(got[2..].iter().all(|g| g.0 == "kv-cache" && g.2.is_none()));
    }

    #[test]
    fn unknown_ids_name_what_is_allowed() {
        let e = err(r#"{"title": "T", "items": [{"lesson": "roofs"}]}"#);
        assert!(matches!(e, LabError::UnknownLesson { .. }), "{e}");
        let m = e.to_string();
        assert!(m.starts_with("unknown lesson 'roofs'; the lessons are: performance-budget, "));
        assert!(m.contains("roofline") && m.contains("capstone"), "{m}");

        let e = err(r#"{"title": "T", "items": [{"lesson": "roofline", "exercises": ["ridge"]}]}"#);
        let m = e.to_string();
        assert!(
            m.starts_with("unknown exercise 'ridge' in lesson 'roofline'; its exercises are: "),
            "{m}"
        );
        assert!(m.contains("ridge-custom") && m.contains("next-step"), "{m}");
    }

    #[test]
    fn empty_labs_bad_thresholds_and_unknown_fields_are_rejected() {
        assert_eq!(err(r#"{"title": "T", "items": []}"#), LabError::Empty);
        assert_eq!(
            err(r#"{"title": "T", "items": [{"lesson": "roofline", "exercises": []}]}"#),
            LabError::Empty
        );
        assert_eq!(
            err(r#"{"title": " ", "items": [{"lesson": "roofline"}]}"#),
            LabError::NoTitle
        );
        for bad in ["0", "1.5", "-0.2"] {
            let e = err(&format!(
                r#"{{"title": "T", "items": [{{"lesson": "roofline", "thresholds": {{"next-step": {bad}}}}}]}}"#
            ));
            assert!(matches!(e, LabError::BadThreshold { .. }), "{bad}: {e}");
            assert!(
                e.to_string().contains("greater than 0 and at most 1"),
                "{e}"
            );
        }
        let e = err(
            r#"{"title": "T", "items": [{"lesson": "roofline", "exercises": ["next-step"],
                "thresholds": {"ridge-custom": 0.5}}]}"#,
        );
        assert!(matches!(e, LabError::ThresholdForUnlisted { .. }), "{e}");
        let e = err(r#"{"title": "T", "items": [{"lesson": "roofline"}], "deadline": "x"}"#);
        assert!(e.to_string().contains("unknown field `deadline`"), "{e}");
        let e = err(r#"{"title": "T", "items": [{"lesson": "roofline", "exercise": ["x"]}]}"#);
        assert!(e.to_string().contains("unknown field `exercise`"), "{e}");
        let e = err(r#"{"title": "T", "items": [{"lesson": "zero"}, {"lesson": "zero"}]}"#);
        assert!(matches!(e, LabError::DuplicateLesson { .. }), "{e}");
        assert!(matches!(err("not json"), LabError::Json(_)));
        assert!(matches!(err(r#"{"items": []}"#), LabError::Json(_)));
    }

    #[test]
    fn ids_are_url_and_file_safe() {
        assert!(is_valid_id("week-3-memory-bound"));
        for bad in ["", "Week", "../x", "a/b", "a.json", "a b", &"x".repeat(65)] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    /// Every shipped lab is listed in `static/labs/index.json` under its file name, with the
    /// title its file has, and checks against the compiled lessons: a typo in a shipped lab
    /// fails here rather than in a student's browser.
    #[test]
    fn every_shipped_lab_is_listed_and_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/labs");
        let index = parse_index(&std::fs::read_to_string(dir.join("index.json")).unwrap())
            .unwrap_or_else(|e| panic!("static/labs/index.json: {e}"));
        let mut files = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name == "index.json" {
                continue;
            }
            let id = name
                .strip_suffix(".json")
                .unwrap_or_else(|| panic!("static/labs/{name}: lab files end in .json"));
            assert!(is_valid_id(id), "static/labs/{name}: not a valid lab id");
            let text = std::fs::read_to_string(dir.join(&name)).unwrap();
            let lab = parse(&text).unwrap_or_else(|e| panic!("static/labs/{name}: {e}"));
            let listed = index.labs.iter().find(|l| l.id == id);
            let listed =
                listed.unwrap_or_else(|| panic!("static/labs/{name} is not in index.json"));
            assert_eq!(listed.title, lab.file.title, "static/labs/{name}");
            files.insert(id.to_string());
        }
        assert!(!files.is_empty(), "no lab is shipped");
        for l in &index.labs {
            assert!(
                files.contains(&l.id),
                "index.json lists {} with no file",
                l.id
            );
        }
    }
}
