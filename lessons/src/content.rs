//! The lesson files, compiled in with `include_str!` so the browser, the CLI and the tests read
//! the same text. Order is course order; the id is the URL segment (`/lessons/<id>`).

/// One lesson file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonSource {
    /// URL id.
    pub id: &'static str,
    /// Curriculum number (L1 … L14).
    pub number: u32,
    /// File name under `lessons/content/`.
    pub file: &'static str,
    /// The Markdown.
    pub text: &'static str,
}

/// Every lesson written so far, in course order.
pub const LESSONS: &[LessonSource] = &[
    LessonSource {
        id: "performance-budget",
        number: 1,
        file: "01-performance-budget.md",
        text: include_str!("../content/01-performance-budget.md"),
    },
    LessonSource {
        id: "memory-hierarchy",
        number: 2,
        file: "02-memory-hierarchy.md",
        text: include_str!("../content/02-memory-hierarchy.md"),
    },
    LessonSource {
        id: "roofline",
        number: 3,
        file: "03-roofline.md",
        text: include_str!("../content/03-roofline.md"),
    },
    LessonSource {
        id: "tiled-matmul",
        number: 4,
        file: "04-tiled-matmul.md",
        text: include_str!("../content/04-tiled-matmul.md"),
    },
    LessonSource {
        id: "fusion",
        number: 5,
        file: "05-fusion.md",
        text: include_str!("../content/05-fusion.md"),
    },
    LessonSource {
        id: "llm-inference",
        number: 6,
        file: "06-llm-inference.md",
        text: include_str!("../content/06-llm-inference.md"),
    },
    LessonSource {
        id: "kv-cache",
        number: 7,
        file: "07-kv-cache.md",
        text: include_str!("../content/07-kv-cache.md"),
    },
    LessonSource {
        id: "attention",
        number: 8,
        file: "08-attention.md",
        text: include_str!("../content/08-attention.md"),
    },
    LessonSource {
        id: "quantization",
        number: 9,
        file: "09-quantization.md",
        text: include_str!("../content/09-quantization.md"),
    },
    LessonSource {
        id: "serving",
        number: 10,
        file: "10-serving.md",
        text: include_str!("../content/10-serving.md"),
    },
    LessonSource {
        id: "speculative-decoding",
        number: 11,
        file: "11-speculative-decoding.md",
        text: include_str!("../content/11-speculative-decoding.md"),
    },
    LessonSource {
        id: "zero",
        number: 12,
        file: "12-zero.md",
        text: include_str!("../content/12-zero.md"),
    },
    LessonSource {
        id: "measuring",
        number: 13,
        file: "13-measuring.md",
        text: include_str!("../content/13-measuring.md"),
    },
    LessonSource {
        id: "capstone",
        number: 14,
        file: "14-capstone.md",
        text: include_str!("../content/14-capstone.md"),
    },
];

/// The lesson with this id.
pub fn find(id: &str) -> Option<&'static LessonSource> {
    LESSONS.iter().find(|l| l.id == id)
}

/// The WGSL files of the kernel exercises, by file name: a kernel exercise's `starter:` and
/// `solution:` name one of these. Starters live in `lessons/content/kernels/`. A solution *is*
/// the registry kernel its family runs (`kernels/wgsl/`), included from there so that the
/// solution a learner reveals is exactly the kernel the lab benchmarks, with no copy to drift.
pub const KERNEL_SOURCES: &[(&str, &str)] = &[
    (
        "stream-copy-starter.wgsl",
        include_str!("../content/kernels/stream-copy-starter.wgsl"),
    ),
    (
        "stream-copy-solution.wgsl",
        include_str!("../../kernels/wgsl/stream/copy.wgsl"),
    ),
    (
        "matmul-tiled-starter.wgsl",
        include_str!("../content/kernels/matmul-tiled-starter.wgsl"),
    ),
    (
        "matmul-tiled-solution.wgsl",
        include_str!("../../kernels/wgsl/matmul/tiled.wgsl"),
    ),
    (
        "gemv-q8_0-starter.wgsl",
        include_str!("../content/kernels/gemv-q8_0-starter.wgsl"),
    ),
    (
        "gemv-q8_0-solution.wgsl",
        include_str!("../../kernels/wgsl/gemv/q8_0.wgsl"),
    ),
    (
        "attention-naive-starter.wgsl",
        include_str!("../content/kernels/attention-naive-starter.wgsl"),
    ),
    (
        "attention-naive-solution.wgsl",
        include_str!("../../kernels/wgsl/attention/naive.wgsl"),
    ),
];

/// The exercise WGSL file `name`, with its name as a `'static` string.
pub fn kernel_source(name: &str) -> Option<(&'static str, &'static str)> {
    KERNEL_SOURCES.iter().copied().find(|(n, _)| *n == name)
}
