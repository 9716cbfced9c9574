//! pulldown-cmark events gathered into a small block tree that the layout can measure.

use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use ratatui::style::Style;

use super::theme;

/// Inline content with its final style.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Prose: breakable at its spaces.
    Text(String, Style),
    /// Inline code: kept on one line when it fits.
    Code(String, Style),
    /// A hard line break.
    Break,
}

/// A block of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// The text of a tight list item (a paragraph without spacing around it).
    Plain(Vec<Inline>),
    /// A heading of level 1 to 6.
    Heading(u8, Vec<Inline>),
    /// A code block: language (first word of the info string) and text without the final
    /// newline.
    Code { lang: String, text: String },
    /// A block quote, or a GitHub alert when `kind` is set.
    Quote {
        kind: Option<BlockQuoteKind>,
        blocks: Vec<Block>,
    },
    /// A bullet list (`start` is `None`) or an ordered list.
    List {
        start: Option<u64>,
        tight: bool,
        items: Vec<ListItem>,
    },
    /// A footnote definition.
    Footnote { label: String, blocks: Vec<Block> },
    /// A table.
    Table(Table),
    /// A horizontal rule.
    Rule,
    /// An HTML block, shown as text.
    Html(String),
    /// A `<details>` block: a summary line with its content hidden until the reader reveals it.
    /// `index` counts the details of the document in order, from 0.
    Details {
        index: usize,
        summary: String,
        revealed: bool,
        blocks: Vec<Block>,
    },
}

/// One list item.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    /// `Some(checked)` for task list items.
    pub task: Option<bool>,
    /// The item's content.
    pub blocks: Vec<Block>,
}

/// A table's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Alignment of each column.
    pub alignments: Vec<Alignment>,
    /// The header row.
    pub head: Vec<Vec<Inline>>,
    /// The body rows.
    pub rows: Vec<Vec<Vec<Inline>>>,
}

/// The markdown extensions lessons may use.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM
}

/// Parses markdown into blocks.
pub fn parse(markdown: &str) -> Vec<Block> {
    let mut builder = Builder::default();
    for event in Parser::new_ext(markdown, options()) {
        builder.event(event);
    }
    builder.finish()
}

/// The (language, text) of every code block, in order, without building anything else.
pub fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => current = Some((language(&kind), String::new())),
            Event::Text(text) => {
                if let Some((_, code)) = current.as_mut() {
                    code.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, code)) = current.take() {
                    blocks.push((lang, strip_final_newline(code)));
                }
            }
            _ => {}
        }
    }
    blocks
}

/// The first word of a fence's info string.
fn language(kind: &CodeBlockKind) -> String {
    match kind {
        CodeBlockKind::Indented => String::new(),
        CodeBlockKind::Fenced(info) => info
            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

fn strip_final_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// A container being filled.
#[derive(Debug)]
enum Frame {
    /// The document, a quote, a list item or a footnote: a sequence of blocks.
    Blocks { kind: Container, blocks: Vec<Block> },
    /// A list collecting items.
    List {
        start: Option<u64>,
        items: Vec<ListItem>,
    },
    /// A table collecting rows (the row being read is `row`).
    Table { table: Table, row: Vec<Vec<Inline>> },
}

#[derive(Debug)]
enum Container {
    Document,
    Quote(Option<BlockQuoteKind>),
    Item { task: Option<bool> },
    Footnote(String),
    Details { index: usize, summary: String },
}

/// An open link or image: where its text starts in the inline buffer and its URL.
#[derive(Debug)]
struct OpenLink {
    text_start: usize,
    url: String,
    image: bool,
}

/// Builds the block tree from events.
#[derive(Debug)]
struct Builder {
    frames: Vec<Frame>,
    /// Inline content of the paragraph, heading, cell or tight item text being read.
    inlines: Vec<Inline>,
    /// The style patches of open inline tags; the current style is their composition.
    styles: Vec<Style>,
    links: Vec<OpenLink>,
    /// The code block being read: language and text.
    code: Option<(String, String)>,
    /// The HTML block being read.
    html: Option<String>,
    /// How many `<details>` were opened so far.
    details: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            frames: vec![Frame::Blocks {
                kind: Container::Document,
                blocks: Vec::new(),
            }],
            inlines: Vec::new(),
            styles: Vec::new(),
            links: Vec::new(),
            code: None,
            html: None,
            details: 0,
        }
    }
}

impl Builder {
    fn style(&self) -> Style {
        self.styles
            .iter()
            .fold(Style::new(), |style, patch| style.patch(*patch))
    }

    fn text(&mut self, text: &str) {
        if let Some((_, code)) = self.code.as_mut() {
            code.push_str(text);
        } else if let Some(html) = self.html.as_mut() {
            html.push_str(text);
        } else {
            let style = self.style();
            self.inlines.push(Inline::Text(text.to_owned(), style));
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) | Event::InlineMath(code) | Event::DisplayMath(code) => {
                let style = self.style().patch(theme::INLINE_CODE);
                self.inlines.push(Inline::Code(code.into_string(), style));
            }
            Event::Html(html) => self.text(&html),
            Event::InlineHtml(html) => self.inline_html(&html),
            Event::FootnoteReference(label) => {
                let style = self.style().patch(theme::FOOTNOTE);
                self.inlines.push(Inline::Text(format!("[{label}]"), style));
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.inlines.push(Inline::Break),
            Event::Rule => {
                self.flush_plain();
                self.push_block(Block::Rule);
            }
            Event::TaskListMarker(checked) => {
                for frame in self.frames.iter_mut().rev() {
                    if let Frame::Blocks {
                        kind: Container::Item { task },
                        ..
                    } = frame
                    {
                        *task = Some(checked);
                        break;
                    }
                }
            }
        }
    }

    /// `<br>` is a line break, comments are hidden, other tags are shown as text.
    fn inline_html(&mut self, html: &str) {
        let tag = html.trim().to_ascii_lowercase();
        if matches!(tag.as_str(), "<br>" | "<br/>" | "<br />") {
            self.inlines.push(Inline::Break);
        } else if !tag.starts_with("<!--") {
            let style = self.style().patch(theme::HTML);
            self.inlines.push(Inline::Text(html.to_owned(), style));
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::TableCell => {
                self.flush_plain();
                if let Tag::Heading { level, .. } = tag {
                    self.styles.push(theme::heading(heading_level(level)));
                }
            }
            Tag::BlockQuote(kind) => self.open(Container::Quote(kind)),
            Tag::CodeBlock(kind) => {
                self.flush_plain();
                self.code = Some((language(&kind), String::new()));
            }
            Tag::HtmlBlock => {
                self.flush_plain();
                self.html = Some(String::new());
            }
            Tag::List(start) => {
                self.flush_plain();
                self.frames.push(Frame::List {
                    start,
                    items: Vec::new(),
                });
            }
            Tag::Item => self.open(Container::Item { task: None }),
            Tag::FootnoteDefinition(label) => self.open(Container::Footnote(label.into_string())),
            Tag::Table(alignments) => {
                self.flush_plain();
                self.frames.push(Frame::Table {
                    table: Table {
                        alignments,
                        head: Vec::new(),
                        rows: Vec::new(),
                    },
                    row: Vec::new(),
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(Frame::Table { row, .. }) = self.frames.last_mut() {
                    row.clear();
                }
            }
            Tag::Emphasis => self.styles.push(theme::EMPHASIS),
            Tag::Strong => self.styles.push(theme::STRONG),
            Tag::Strikethrough => self.styles.push(theme::STRIKETHROUGH),
            Tag::Superscript | Tag::Subscript => self.styles.push(Style::new()),
            Tag::Link { dest_url, .. } => {
                self.styles.push(theme::LINK_TEXT);
                self.links.push(OpenLink {
                    text_start: self.inlines.len(),
                    url: dest_url.into_string(),
                    image: false,
                });
            }
            Tag::Image { dest_url, .. } => {
                self.styles.push(theme::IMAGE);
                self.text("[image: ");
                self.links.push(OpenLink {
                    text_start: self.inlines.len(),
                    url: dest_url.into_string(),
                    image: true,
                });
            }
            Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                let inlines = std::mem::take(&mut self.inlines);
                self.push_block(Block::Paragraph(inlines));
            }
            TagEnd::Heading(level) => {
                self.styles.pop();
                let inlines = std::mem::take(&mut self.inlines);
                self.push_block(Block::Heading(heading_level(level), inlines));
            }
            TagEnd::CodeBlock => {
                if let Some((lang, text)) = self.code.take() {
                    let text = strip_final_newline(text);
                    self.push_block(Block::Code { lang, text });
                }
            }
            TagEnd::HtmlBlock => {
                if let Some(html) = self.html.take() {
                    self.html_block(&strip_html_comments(&html));
                }
            }
            TagEnd::BlockQuote(_) | TagEnd::Item | TagEnd::FootnoteDefinition => self.close(),
            TagEnd::List(_) => {
                if let Some(Frame::List { start, items }) = self.frames.pop() {
                    let tight = !items.iter().any(|item| {
                        item.blocks
                            .iter()
                            .any(|block| matches!(block, Block::Paragraph(_)))
                    });
                    self.push_block(Block::List {
                        start,
                        tight,
                        items,
                    });
                }
            }
            TagEnd::Table => {
                if let Some(Frame::Table { table, .. }) = self.frames.pop() {
                    self.push_block(Block::Table(table));
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(Frame::Table { table, row }) = self.frames.last_mut() {
                    let cells = std::mem::take(row);
                    if matches!(tag, TagEnd::TableHead) {
                        table.head = cells;
                    } else {
                        table.rows.push(cells);
                    }
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inlines);
                if let Some(Frame::Table { row, .. }) = self.frames.last_mut() {
                    row.push(cell);
                }
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                self.styles.pop();
                if let Some(link) = self.links.pop() {
                    self.close_link(link);
                }
            }
            TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {}
        }
    }

    /// Ends a link or image: `]` for images, then the URL unless the text already shows it.
    fn close_link(&mut self, link: OpenLink) {
        let style = self.style();
        if link.image {
            self.inlines
                .push(Inline::Text("]".to_owned(), style.patch(theme::IMAGE)));
        }
        let text: String = self.inlines[link.text_start.min(self.inlines.len())..]
            .iter()
            .map(|inline| match inline {
                Inline::Text(text, _) | Inline::Code(text, _) => text.as_str(),
                Inline::Break => " ",
            })
            .collect();
        let shows_url = text == link.url
            || link
                .url
                .strip_prefix("mailto:")
                .is_some_and(|address| address == text);
        if !link.url.is_empty() && !shows_url {
            self.inlines.push(Inline::Text(
                format!(" ({})", link.url),
                style.patch(theme::LINK_URL),
            ));
        }
    }

    fn open(&mut self, kind: Container) {
        self.flush_plain();
        self.frames.push(Frame::Blocks {
            kind,
            blocks: Vec::new(),
        });
    }

    /// Closes the innermost quote, item or footnote and adds it to its parent.
    fn close(&mut self) {
        self.flush_plain();
        if self.frames.len() < 2 {
            return;
        }
        let Some(Frame::Blocks { kind, blocks }) = self.frames.pop() else {
            return;
        };
        match kind {
            Container::Document => {}
            Container::Quote(kind) => self.push_block(Block::Quote { kind, blocks }),
            Container::Footnote(label) => self.push_block(Block::Footnote { label, blocks }),
            Container::Details { index, summary } => self.push_block(Block::Details {
                index,
                summary,
                revealed: false,
                blocks,
            }),
            Container::Item { task } => {
                if let Some(Frame::List { items, .. }) = self.frames.last_mut() {
                    items.push(ListItem { task, blocks });
                }
            }
        }
    }

    /// An HTML block: `<details>`, `<summary>...</summary>` and `</details>` open, name and
    /// close a hidden answer; any other text is shown (as plain text inside an answer).
    fn html_block(&mut self, html: &str) {
        let mut rest = html;
        loop {
            let lower = rest.to_ascii_lowercase();
            let next = ["<details", "<summary", "</details"]
                .into_iter()
                .filter_map(|tag| lower.find(tag).map(|at| (at, tag)))
                .min();
            let Some((at, tag)) = next else {
                self.html_text(rest);
                return;
            };
            self.html_text(&rest[..at]);
            let tag_text = &rest[at..];
            let after_tag = tag_text.find('>').map_or(tag_text.len(), |end| end + 1);
            rest = &tag_text[after_tag..];
            match tag {
                "<details" => {
                    let index = self.details;
                    self.details += 1;
                    self.open(Container::Details {
                        index,
                        summary: String::new(),
                    });
                }
                "<summary" => {
                    let (text, after) = match rest.to_ascii_lowercase().find("</summary>") {
                        Some(end) => (&rest[..end], &rest[end + "</summary>".len()..]),
                        None => (rest, ""),
                    };
                    let text = strip_tags(text);
                    if let Some(Frame::Blocks {
                        kind: Container::Details { summary, .. },
                        ..
                    }) = self.frames.last_mut()
                    {
                        *summary = text;
                    }
                    rest = after;
                }
                _ => {
                    if matches!(
                        self.frames.last(),
                        Some(Frame::Blocks {
                            kind: Container::Details { .. },
                            ..
                        })
                    ) {
                        self.close();
                    }
                }
            }
        }
    }

    /// Text of an HTML block outside the details tags: plain text inside an answer, dim HTML
    /// elsewhere.
    fn html_text(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let in_details = matches!(
            self.frames.last(),
            Some(Frame::Blocks {
                kind: Container::Details { .. },
                ..
            })
        );
        if in_details {
            let inline = Inline::Text(strip_tags(text), Style::new());
            self.push_block(Block::Paragraph(vec![inline]));
        } else {
            self.push_block(Block::Html(text.to_owned()));
        }
    }

    /// Turns inline content read directly inside a container (a tight list item) into a block.
    fn flush_plain(&mut self) {
        if self.inlines.is_empty() || matches!(self.frames.last(), Some(Frame::Table { .. })) {
            return;
        }
        let inlines = std::mem::take(&mut self.inlines);
        self.push_block(Block::Plain(inlines));
    }

    fn push_block(&mut self, block: Block) {
        match self.frames.last_mut() {
            Some(Frame::Blocks { blocks, .. }) => blocks.push(block),
            Some(Frame::List { items, .. }) => items.push(ListItem {
                task: None,
                blocks: vec![block],
            }),
            Some(Frame::Table { .. }) | None => {}
        }
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush_plain();
        while self.frames.len() > 1 {
            self.close_any();
        }
        match self.frames.pop() {
            Some(Frame::Blocks { blocks, .. }) => blocks,
            _ => Vec::new(),
        }
    }

    /// Closes whatever frame is innermost (only for input that ends with frames still open).
    fn close_any(&mut self) {
        match self.frames.last() {
            Some(Frame::List { .. }) => self.end(TagEnd::List(false)),
            Some(Frame::Table { .. }) => self.end(TagEnd::Table),
            _ => self.close(),
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The text without its HTML tags, its white space collapsed.
fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Marks the details whose index `revealed` accepts as revealed, at any depth.
pub fn reveal(blocks: &mut [Block], revealed: &dyn Fn(usize) -> bool) {
    for block in blocks {
        match block {
            Block::Details {
                index,
                revealed: shown,
                blocks,
                ..
            } => {
                *shown = revealed(*index);
                reveal(blocks, revealed);
            }
            Block::Quote { blocks, .. } | Block::Footnote { blocks, .. } => {
                reveal(blocks, revealed)
            }
            Block::List { items, .. } => {
                for item in items {
                    reveal(&mut item.blocks, revealed);
                }
            }
            _ => {}
        }
    }
}

/// The HTML with its `<!-- ... -->` comments removed.
fn strip_html_comments(html: &str) -> String {
    let mut shown = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        shown.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            None => rest = "",
        }
    }
    shown.push_str(rest);
    shown
}
