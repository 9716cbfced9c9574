//! Small courses for tests: chapters built from markdown without files on disk.

use redis_tutor::course::{Chapter, Lesson};

/// A chapter with a one-line introduction and one lesson (number 1) holding `markdown`, whose
/// first `# ` heading is the lesson's title.
pub fn chapter(number: u32, slug: &str, title: &str, markdown: &str) -> Chapter {
    let lesson_title = markdown
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .unwrap_or(title);
    Chapter {
        number,
        slug: slug.into(),
        title: title.into(),
        lessons: vec![
            Lesson {
                number: 0,
                slug: "introduction".into(),
                title: title.into(),
                markdown: format!("# {title}\n\nThe chapter on {title}.\n"),
            },
            Lesson {
                number: 1,
                slug: slug.into(),
                title: lesson_title.into(),
                markdown: markdown.into(),
            },
        ],
    }
}
