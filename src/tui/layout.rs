//! Where each pane goes for a given terminal size: three columns on wide terminals, the
//! console and exercise below the lesson on narrower ones, a message when it is too small.

use super::app::Focus;
use ratatui::layout::Rect;

/// The smallest terminal the panes are drawn in.
pub const MIN_WIDTH: u16 = 60;
/// The smallest terminal the panes are drawn in.
pub const MIN_HEIGHT: u16 = 16;
/// From this width on the console and exercise get their own column on the right.
const WIDE_FROM: u16 = 120;

/// The rectangles of the panes on screen (the status bar is the bottom row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaneAreas {
    pub sidebar: Rect,
    pub lesson: Rect,
    pub console: Rect,
    pub exercise: Rect,
    pub status: Rect,
}

/// What fits on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The terminal is smaller than [`MIN_WIDTH`] x [`MIN_HEIGHT`].
    TooSmall,
    /// Every pane has a place.
    Panes(PaneAreas),
}

/// Lays out the panes in `area`. On narrow terminals, where lesson, console and exercise are
/// stacked, the focused one of them gets half the height.
pub fn compute(area: Rect, focus: Focus) -> Screen {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return Screen::TooSmall;
    }
    let status = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let body = Rect::new(area.x, area.y, area.width, area.height - 1);
    let sidebar_width = match area.width {
        w if w >= 100 => 26,
        w if w >= 80 => 24,
        _ => 20,
    };
    let sidebar = Rect::new(body.x, body.y, sidebar_width, body.height);
    let main = Rect::new(
        body.x + sidebar_width,
        body.y,
        body.width - sidebar_width,
        body.height,
    );
    let areas = if area.width >= WIDE_FROM {
        let right_width = (main.width * 2 / 5).max(40);
        let lesson = Rect::new(main.x, main.y, main.width - right_width, main.height);
        let right_x = lesson.right();
        let console_height = main.height * 3 / 5;
        PaneAreas {
            sidebar,
            lesson,
            console: Rect::new(right_x, main.y, right_width, console_height),
            exercise: Rect::new(
                right_x,
                main.y + console_height,
                right_width,
                main.height - console_height,
            ),
            status,
        }
    } else if main.width >= 70 {
        let lesson_height = main.height / 2;
        let lesson = Rect::new(main.x, main.y, main.width, lesson_height);
        let bottom_y = main.y + lesson_height;
        let bottom_height = main.height - lesson_height;
        let console_width = main.width * 11 / 20;
        PaneAreas {
            sidebar,
            lesson,
            console: Rect::new(main.x, bottom_y, console_width, bottom_height),
            exercise: Rect::new(
                main.x + console_width,
                bottom_y,
                main.width - console_width,
                bottom_height,
            ),
            status,
        }
    } else {
        let half = main.height / 2;
        let quarter = (main.height - half) / 2;
        let rest = main.height - half - quarter;
        let (lesson_height, console_height) = match focus {
            Focus::Sidebar | Focus::Lesson => (half, quarter),
            Focus::Console => (quarter, half),
            Focus::Exercise => (quarter, rest),
        };
        let exercise_height = main.height - lesson_height - console_height;
        PaneAreas {
            sidebar,
            lesson: Rect::new(main.x, main.y, main.width, lesson_height),
            console: Rect::new(main.x, main.y + lesson_height, main.width, console_height),
            exercise: Rect::new(
                main.x,
                main.y + lesson_height + console_height,
                main.width,
                exercise_height,
            ),
            status,
        }
    };
    Screen::Panes(areas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panes(width: u16, height: u16, focus: Focus) -> PaneAreas {
        match compute(Rect::new(0, 0, width, height), focus) {
            Screen::Panes(areas) => areas,
            Screen::TooSmall => panic!("{width}x{height} should fit the panes"),
        }
    }

    #[test]
    fn panes_tile_the_screen_without_overlap() {
        let sizes = [
            (60, 16),
            (80, 24),
            (99, 30),
            (119, 40),
            (120, 40),
            (300, 100),
        ];
        let foci = [
            Focus::Sidebar,
            Focus::Lesson,
            Focus::Console,
            Focus::Exercise,
        ];
        for ((width, height), focus) in sizes.into_iter().flat_map(|s| foci.map(|f| (s, f))) {
            let areas = panes(width, height, focus);
            let all = [
                areas.sidebar,
                areas.lesson,
                areas.console,
                areas.exercise,
                areas.status,
            ];
            let covered: u32 = all.iter().map(|r| r.area()).sum();
            assert_eq!(
                covered,
                u32::from(width) * u32::from(height),
                "{width}x{height}: panes {all:?} do not cover the screen exactly"
            );
            for (i, a) in all.iter().enumerate() {
                assert!(
                    a.width >= 3 && a.height >= 1,
                    "{width}x{height}: pane {a:?} too small"
                );
                for b in &all[i + 1..] {
                    assert!(!a.intersects(*b), "{width}x{height}: {a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn stacked_panes_give_the_focused_one_half_the_height() {
        let console = panes(80, 24, Focus::Console);
        let exercise = panes(80, 24, Focus::Exercise);
        assert!(
            console.console.height > console.exercise.height
                && exercise.exercise.height > exercise.console.height,
            "focused pane should be taller: {console:?} / {exercise:?}"
        );
    }

    #[test]
    fn small_terminals_get_no_panes() {
        for (width, height) in [(59, 40), (200, 15), (1, 1), (0, 0)] {
            assert_eq!(
                compute(Rect::new(0, 0, width, height), Focus::Lesson),
                Screen::TooSmall
            );
        }
    }
}
