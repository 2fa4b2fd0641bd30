//! The app's routes, parsed from `window.location` by a small hand-rolled router (no router
//! crate: fewer dependencies and a smaller bundle). Pure, so it is tested natively.

use crate::query::{self, Params};

/// A page of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    /// `/`: what the lab is and where to go.
    Home,
    /// `/bench`: benchmark my GPU.
    Bench,
    /// `/kernels`: one kernel variant at a time, with its source.
    Kernels,
    /// `/calc`: the list of calculators.
    Calculators,
    /// `/calc/<id>`: one calculator with the site chrome.
    Calc(String),
    /// `/embed/<id>`: one calculator with minimal chrome, for iframes.
    Embed(String),
    /// `/embed`: how to embed a calculator.
    EmbedHelp,
    /// `/lessons`: the list of lessons and the learner's progress.
    Lessons,
    /// `/lessons/<id>`: one lesson.
    Lesson(String),
    /// `/labs`: the course labs shipped with the site, and importing one from a file.
    Labs,
    /// `/labs/<id>`: one lab's checklist (`imported`: the lab imported in this browser).
    Lab(String),
    /// `/labs/<id>/report`: the printable report of one lab.
    LabReport(String),
    /// `/report`: the printable report over every lesson.
    Report,
    /// Anything else; carries the path that was asked for.
    NotFound(String),
}

/// Where the app is: the page and its query parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The page.
    pub page: Page,
    /// The query parameters (the calculators' state).
    pub params: Params,
}

impl Location {
    /// Parses a path (`/calc/kv-cache`) and a query (`?model=…`).
    pub fn parse(path: &str, search: &str) -> Location {
        // A fragment (`#exercise-x`) is the browser's business, not a page.
        let path = path.split('#').next().unwrap_or(path);
        let trimmed = path.trim_end_matches('/');
        let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
        let page = match segments.as_slice() {
            [] | ["index.html"] => Page::Home,
            ["bench"] => Page::Bench,
            ["kernels"] => Page::Kernels,
            ["calc"] => Page::Calculators,
            ["calc", id] => Page::Calc(query::decode(id)),
            ["embed"] => Page::EmbedHelp,
            ["embed", id] => Page::Embed(query::decode(id)),
            ["lessons"] => Page::Lessons,
            ["lessons", id] => Page::Lesson(query::decode(id)),
            ["labs"] => Page::Labs,
            ["labs", id] => Page::Lab(query::decode(id)),
            ["labs", id, "report"] => Page::LabReport(query::decode(id)),
            ["report"] => Page::Report,
            _ => Page::NotFound(query::decode(path)),
        };
        Location {
            page,
            params: query::parse(search),
        }
    }

    /// The path and query of this location, for `history.pushState`.
    pub fn href(&self) -> String {
        let path = match &self.page {
            Page::Home => "/".to_string(),
            Page::Bench => "/bench".to_string(),
            Page::Kernels => "/kernels".to_string(),
            Page::Calculators => "/calc".to_string(),
            Page::Calc(id) => format!("/calc/{}", query::encode_part(id)),
            Page::Embed(id) => format!("/embed/{}", query::encode_part(id)),
            Page::EmbedHelp => "/embed".to_string(),
            Page::Lessons => "/lessons".to_string(),
            Page::Lesson(id) => format!("/lessons/{}", query::encode_part(id)),
            Page::Labs => "/labs".to_string(),
            Page::Lab(id) => format!("/labs/{}", query::encode_part(id)),
            Page::LabReport(id) => format!("/labs/{}/report", query::encode_part(id)),
            Page::Report => "/report".to_string(),
            Page::NotFound(p) => p.clone(),
        };
        let q = query::encode(&self.params);
        if q.is_empty() {
            path
        } else {
            format!("{path}?{q}")
        }
    }

    /// Whether this page is an embed (minimal chrome).
    pub fn is_embed(&self) -> bool {
        matches!(self.page, Page::Embed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_route() {
        assert_eq!(Location::parse("/", "").page, Page::Home);
        assert_eq!(Location::parse("/bench/", "").page, Page::Bench);
        assert_eq!(Location::parse("/kernels", "").page, Page::Kernels);
        assert_eq!(Location::parse("/calc", "").page, Page::Calculators);
        let l = Location::parse("/embed/kv-cache", "?model=llama-2-70b");
        assert_eq!(l.page, Page::Embed("kv-cache".into()));
        assert_eq!(l.params["model"], "llama-2-70b");
        assert!(l.is_embed());
        assert_eq!(l.href(), "/embed/kv-cache?model=llama-2-70b");
        assert_eq!(
            Location::parse("/calc/zero", "").page,
            Page::Calc("zero".into())
        );
        assert_eq!(Location::parse("/lessons/", "").page, Page::Lessons);
        let l = Location::parse("/lessons/kv-cache", "");
        assert_eq!(l.page, Page::Lesson("kv-cache".into()));
        assert_eq!(l.href(), "/lessons/kv-cache");
        assert_eq!(Location::parse("/labs", "").page, Page::Labs);
        let l = Location::parse("/labs/week-3", "");
        assert_eq!(l.page, Page::Lab("week-3".into()));
        assert_eq!(l.href(), "/labs/week-3");
        let l = Location::parse("/labs/week-3/report/", "");
        assert_eq!(l.page, Page::LabReport("week-3".into()));
        assert_eq!(l.href(), "/labs/week-3/report");
        assert_eq!(Location::parse("/report", "").page, Page::Report);
        assert_eq!(
            Location::parse("/lessons/roofline#exercise-next-step", "").page,
            Page::Lesson("roofline".into())
        );
        assert_eq!(
            Location::parse("/nope/deeper", "").page,
            Page::NotFound("/nope/deeper".into())
        );
    }
}
