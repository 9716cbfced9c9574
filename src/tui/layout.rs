//! Where each pane goes for a given terminal size: side by side on wide terminals (the lesson
//! in the middle, the console and exercise in a column on its right), stacked on narrow ones
//! (the lesson above, the console and exercise below it); the course list docked on the left
//! when there is room and it is shown, or drawn over the lesson as a drawer while it has the
//! focus on narrower terminals; a message instead when the terminal is too small.

use super::app::Focus;
use ratatui::layout::Rect;

/// The smallest terminal the panes are drawn in.
pub const MIN_WIDTH: u16 = 60;
/// The smallest terminal the panes are drawn in.
pub const MIN_HEIGHT: u16 = 16;
/// From this width on the course list stays on screen.
const DOCKED_SIDEBAR_FROM: u16 = 100;
/// Below this width the lesson goes above the console and exercise instead of beside them.
const STACKED_BELOW: u16 = 80;

/// The rectangles of the panes on screen (the status bar is the bottom row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaneAreas {
    /// The course list; `None` while it is hidden (a narrow terminal, another pane focused).
    pub sidebar: Option<Rect>,
    /// The course list is a drawer covering part of the lesson (draw it last).
    pub sidebar_floats: bool,
    pub lesson: Rect,
    pub console: Rect,
    pub exercise: Rect,
    /// The key inspector, when shown: below the exercise on tall screens, in its place on
    /// others.
    pub keys: Option<Rect>,
    /// The key inspector took the exercise's place.
    pub exercise_hidden: bool,
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

/// From this height on, the key inspector goes below the exercise instead of in its place.
const INSPECTOR_BESIDE_EXERCISE_FROM: u16 = 24;

/// Lays out the panes in `area` for the focused pane `focus`; `sidebar_shown` is false when
/// the learner hid the docked course list, `inspector` true when the key inspector is shown.
pub fn compute(area: Rect, focus: Focus, sidebar_shown: bool, inspector: bool) -> Screen {
    match panes(area, focus, sidebar_shown) {
        Screen::Panes(mut areas) if inspector => {
            let exercise = areas.exercise;
            if exercise.height >= INSPECTOR_BESIDE_EXERCISE_FROM {
                let top = exercise.height / 2;
                areas.exercise = Rect::new(exercise.x, exercise.y, exercise.width, top);
                areas.keys = Some(Rect::new(
                    exercise.x,
                    exercise.y + top,
                    exercise.width,
                    exercise.height - top,
                ));
            } else {
                areas.keys = Some(exercise);
                areas.exercise_hidden = true;
            }
            Screen::Panes(areas)
        }
        screen => screen,
    }
}

fn panes(area: Rect, focus: Focus, sidebar_shown: bool) -> Screen {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return Screen::TooSmall;
    }
    let status = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let body = Rect::new(area.x, area.y, area.width, area.height - 1);
    let docked = area.width >= DOCKED_SIDEBAR_FROM;
    let (sidebar, main) = if docked && !sidebar_shown && focus != Focus::Sidebar {
        (None, body)
    } else if docked {
        let width = if area.width >= 120 { 26 } else { 24 };
        (
            Some(Rect::new(body.x, body.y, width, body.height)),
            Rect::new(body.x + width, body.y, body.width - width, body.height),
        )
    } else {
        let drawer = Rect::new(body.x, body.y, (body.width / 2).min(30), body.height);
        ((focus == Focus::Sidebar).then_some(drawer), body)
    };

    if main.width < STACKED_BELOW {
        let lesson_height = main.height * 11 / 20;
        let lower = Rect::new(
            main.x,
            main.y + lesson_height,
            main.width,
            main.height - lesson_height,
        );
        let console_width = lower.width * 3 / 5;
        return Screen::Panes(PaneAreas {
            sidebar,
            sidebar_floats: !docked,
            lesson: Rect::new(main.x, main.y, main.width, lesson_height),
            console: Rect::new(lower.x, lower.y, console_width, lower.height),
            exercise: Rect::new(
                lower.x + console_width,
                lower.y,
                lower.width - console_width,
                lower.height,
            ),
            keys: None,
            exercise_hidden: false,
            status,
        });
    }
    let right_width = (main.width * 2 / 5).max((main.width * 9 / 20).min(40));
    let lesson = Rect::new(main.x, main.y, main.width - right_width, main.height);
    let right_x = lesson.right();
    let larger = main.height * 3 / 5;
    let console_height = if matches!(focus, Focus::Exercise | Focus::Keys) {
        main.height - larger
    } else {
        larger
    };
    Screen::Panes(PaneAreas {
        sidebar,
        sidebar_floats: !docked,
        lesson,
        console: Rect::new(right_x, main.y, right_width, console_height),
        exercise: Rect::new(
            right_x,
            main.y + console_height,
            right_width,
            main.height - console_height,
        ),
        keys: None,
        exercise_hidden: false,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOCI: [Focus; 5] = [
        Focus::Sidebar,
        Focus::Lesson,
        Focus::Console,
        Focus::Exercise,
        Focus::Keys,
    ];

    fn panes(width: u16, height: u16, focus: Focus) -> PaneAreas {
        match compute(Rect::new(0, 0, width, height), focus, true, false) {
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
            (100, 30),
            (120, 40),
            (300, 100),
        ];
        for ((width, height), focus) in sizes.into_iter().flat_map(|s| FOCI.map(|f| (s, f))) {
            let areas = panes(width, height, focus);
            let mut tiles = vec![areas.lesson, areas.console, areas.exercise, areas.status];
            if !areas.sidebar_floats {
                tiles.extend(areas.sidebar);
            }
            let covered: u32 = tiles.iter().map(|r| r.area()).sum();
            assert_eq!(
                covered,
                u32::from(width) * u32::from(height),
                "{width}x{height}: panes {tiles:?} do not cover the screen exactly"
            );
            for (i, a) in tiles.iter().enumerate() {
                assert!(
                    a.width >= 20 && a.height >= 1,
                    "{width}x{height}: pane {a:?} too small"
                );
                for b in &tiles[i + 1..] {
                    assert!(!a.intersects(*b), "{width}x{height}: {a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn narrow_terminals_show_the_course_list_only_while_it_is_focused() {
        assert_eq!(panes(80, 24, Focus::Lesson).sidebar, None);
        let drawer = panes(80, 24, Focus::Sidebar);
        assert!(drawer.sidebar_floats);
        assert!(
            drawer
                .sidebar
                .is_some_and(|s| s.width == 30 && s.height == 23)
        );
        assert!(panes(120, 40, Focus::Console).sidebar.is_some());
    }

    #[test]
    fn narrow_terminals_stack_the_lesson_above_and_wide_ones_may_hide_the_course_list() {
        let stacked = panes(70, 24, Focus::Lesson);
        assert_eq!(stacked.lesson.width, 70);
        assert!(stacked.console.y > stacked.lesson.y);
        let Screen::Panes(hidden) = compute(Rect::new(0, 0, 120, 40), Focus::Lesson, false, false)
        else {
            panic!("120x40 fits");
        };
        assert_eq!((hidden.sidebar, hidden.lesson.x), (None, 0));
    }

    #[test]
    fn the_key_inspector_shares_the_exercise_place_on_small_screens() {
        let small = compute(Rect::new(0, 0, 80, 24), Focus::Keys, true, true);
        let Screen::Panes(small) = small else {
            panic!("80x24 fits")
        };
        assert!(small.exercise_hidden);
        assert_eq!(small.keys, Some(small.exercise));
        let Screen::Panes(large) = compute(Rect::new(0, 0, 250, 70), Focus::Keys, true, true)
        else {
            panic!("250x70 fits")
        };
        let keys = large.keys.expect("shown");
        assert!(!large.exercise_hidden && keys.y == large.exercise.bottom());
    }

    #[test]
    fn the_focused_one_of_console_and_exercise_is_taller() {
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
                compute(Rect::new(0, 0, width, height), Focus::Lesson, true, false),
                Screen::TooSmall
            );
        }
    }
}
