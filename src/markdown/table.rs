//! Tables: columns sized to their content and shrunk to fit, drawn with box-drawing borders;
//! too narrow for a grid, each row becomes a stack of `header: value` lines.

use std::collections::HashMap;

use pulldown_cmark::Alignment;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::parse::{Inline, Table};
use super::theme;
use super::wrap::{WordWidths, natural_width, word_widths, wrap};

/// Narrowest a column is made before the grid gives way to stacked rows (unless its content
/// is narrower still).
const MIN_COLUMN_WIDTH: usize = 6;

/// Renders a table in at most `width` columns.
pub fn render_table(table: &Table, width: usize) -> Vec<Line<'static>> {
    let columns = table
        .alignments
        .len()
        .max(table.head.len())
        .max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    if columns == 0 {
        return Vec::new();
    }
    let head: Vec<Vec<Inline>> = (0..columns)
        .map(|column| header_cell(table.head.get(column)))
        .collect();
    let rows: Vec<Vec<Vec<Inline>>> = table
        .rows
        .iter()
        .map(|row| {
            (0..columns)
                .map(|column| row.get(column).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    match column_widths(&head, &rows, width) {
        Some(widths) => grid(&table.alignments, &head, &rows, &widths),
        None => stacked(&head, &rows, width),
    }
}

/// A header cell with the header style under its own styles.
fn header_cell(cell: Option<&Vec<Inline>>) -> Vec<Inline> {
    cell.map(|inlines| {
        inlines
            .iter()
            .map(|inline| match inline {
                Inline::Text(text, style) => {
                    Inline::Text(text.clone(), theme::TABLE_HEADER.patch(*style))
                }
                Inline::Code(text, style) => {
                    Inline::Code(text.clone(), theme::TABLE_HEADER.patch(*style))
                }
                Inline::Break => Inline::Break,
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The width of each column's content, or `None` when even narrow columns do not fit.
///
/// A row is `│ a │ b │`: three columns of border and padding per column plus one. Columns
/// start at their natural width; while the table is too wide, one column narrows by one
/// column at a time: the one that leaves the fewest words cut between letters, then the
/// fewest cut at hyphens, then the fewest lines in the table, else the widest. Columns keep
/// a minimum width.
fn column_widths(
    head: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    width: usize,
) -> Option<Vec<usize>> {
    let columns = head.len();
    let available = width.checked_sub(3 * columns + 1)?;
    let all_rows: Vec<&[Vec<Inline>]> = std::iter::once(head)
        .chain(rows.iter().map(Vec::as_slice))
        .collect();
    let natural: Vec<usize> = (0..columns)
        .map(|column| {
            all_rows
                .iter()
                .map(|row| natural_width(&row[column]))
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    let minimum: Vec<usize> = natural.iter().map(|&n| n.min(MIN_COLUMN_WIDTH)).collect();
    if minimum.iter().sum::<usize>() > available {
        return None;
    }
    let words: Vec<WordWidths> = (0..columns)
        .map(|column| {
            let cells: Vec<WordWidths> = all_rows
                .iter()
                .map(|row| word_widths(&row[column]))
                .collect();
            WordWidths {
                words: cells
                    .iter()
                    .flat_map(|cell| cell.words.iter().copied())
                    .collect(),
                pieces: cells
                    .iter()
                    .flat_map(|cell| cell.pieces.iter().copied())
                    .collect(),
            }
        })
        .collect();
    // How many word pieces (cut between letters) and words (cut at a hyphen) are wider than a
    // column.
    let cuts = |column: usize, width: usize| {
        let wider = |widths: &[usize]| widths.iter().filter(|&&w| w > width).count();
        (wider(&words[column].pieces), wider(&words[column].words))
    };
    let mut widths: Vec<usize> = natural.iter().map(|&n| n.min(available)).collect();
    // Row heights of a column at a width, remembered: each step narrows only one column.
    let mut known_heights: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    let mut heights_at = |column: usize, width: usize| -> Vec<usize> {
        known_heights
            .entry((column, width))
            .or_insert_with(|| {
                all_rows
                    .iter()
                    .map(|row| wrap(&row[column], width).len())
                    .collect()
            })
            .clone()
    };
    let mut heights: Vec<Vec<usize>> = (0..columns)
        .map(|column| heights_at(column, widths[column]))
        .collect();
    while widths.iter().sum::<usize>() > available {
        let cheapest = (0..columns)
            .filter(|&column| widths[column] > minimum[column])
            .map(|column| {
                let narrowed = heights_at(column, widths[column] - 1);
                let lines: usize = (0..all_rows.len())
                    .map(|row| {
                        (0..columns)
                            .map(|other| {
                                if other == column {
                                    narrowed[row]
                                } else {
                                    heights[other][row]
                                }
                            })
                            .max()
                            .unwrap_or(1)
                    })
                    .sum();
                let (pieces_before, words_before) = cuts(column, widths[column]);
                let (pieces_after, words_after) = cuts(column, widths[column] - 1);
                let (pieces_cut, words_cut) =
                    (pieces_after - pieces_before, words_after - words_before);
                let cost = (
                    pieces_cut,
                    words_cut,
                    lines,
                    std::cmp::Reverse(widths[column]),
                    column,
                );
                (cost, narrowed)
            })
            .min_by_key(|(cost, _)| *cost);
        let Some(((_, _, _, _, column), narrowed)) = cheapest else {
            break;
        };
        widths[column] -= 1;
        heights[column] = narrowed;
    }
    Some(widths)
}

fn border(left: &str, middle: &str, right: &str, widths: &[usize]) -> Line<'static> {
    let mut text = String::from(left);
    for (index, width) in widths.iter().enumerate() {
        if index > 0 {
            text.push_str(middle);
        }
        text.push_str(&"─".repeat(width + 2));
    }
    text.push_str(right);
    Line::from(Span::styled(text, theme::TABLE_BORDER))
}

/// The lines of one row: each cell wrapped in its column, padded by its alignment.
fn row_lines(
    alignments: &[Alignment],
    cells: &[Vec<Inline>],
    widths: &[usize],
) -> Vec<Line<'static>> {
    let wrapped: Vec<Vec<Line<'static>>> = cells
        .iter()
        .zip(widths)
        .map(|(cell, &width)| wrap(cell, width))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    (0..height)
        .map(|line_index| {
            let mut spans = vec![Span::styled("│", theme::TABLE_BORDER)];
            for (column, lines) in wrapped.iter().enumerate() {
                let content = lines.get(line_index).cloned().unwrap_or_default();
                let free = widths[column].saturating_sub(content.width());
                let (left, right) = match alignments.get(column) {
                    Some(Alignment::Right) => (free, 0),
                    Some(Alignment::Center) => (free / 2, free - free / 2),
                    _ => (0, free),
                };
                spans.push(Span::raw(" ".repeat(left + 1)));
                spans.extend(content.spans);
                spans.push(Span::raw(" ".repeat(right + 1)));
                spans.push(Span::styled("│", theme::TABLE_BORDER));
            }
            Line::from(spans)
        })
        .collect()
}

/// The table as a grid. When some row wraps onto several lines, rows are separated by rules
/// so that each row stays readable.
fn grid(
    alignments: &[Alignment],
    head: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    widths: &[usize],
) -> Vec<Line<'static>> {
    let body: Vec<Vec<Line<'static>>> = rows
        .iter()
        .map(|row| row_lines(alignments, row, widths))
        .collect();
    let separate_rows = body.iter().any(|lines| lines.len() > 1);
    let mut lines = vec![border("┌", "┬", "┐", widths)];
    lines.extend(row_lines(alignments, head, widths));
    if !body.is_empty() {
        lines.push(border("├", "┼", "┤", widths));
    }
    for (index, row) in body.into_iter().enumerate() {
        if index > 0 && separate_rows {
            lines.push(border("├", "┼", "┤", widths));
        }
        lines.extend(row);
    }
    lines.push(border("└", "┴", "┘", widths));
    lines
}

/// The table for panes too narrow for a grid: each row as `header: value` lines, rows
/// separated by a rule.
fn stacked(head: &[Vec<Inline>], rows: &[Vec<Vec<Inline>>], width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if index > 0 {
            lines.push(Line::from(Span::styled(
                "─".repeat(width),
                theme::TABLE_BORDER,
            )));
        }
        for (header, cell) in head.iter().zip(row) {
            let mut inlines = header.clone();
            inlines.push(Inline::Text(":".to_owned(), theme::TABLE_HEADER));
            inlines.push(Inline::Text(" ".to_owned(), Style::new()));
            inlines.extend(cell.iter().cloned());
            lines.extend(wrap(&inlines, width));
        }
    }
    if rows.is_empty() {
        let header: Vec<Inline> = head
            .iter()
            .enumerate()
            .flat_map(|(index, cell)| {
                let separator = (index > 0).then(|| Inline::Text(" · ".to_owned(), Style::new()));
                separator.into_iter().chain(cell.iter().cloned())
            })
            .collect();
        lines.extend(wrap(&header, width));
    }
    lines
}
