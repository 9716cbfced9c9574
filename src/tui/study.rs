//! Time spent studying, per chapter and per exercise. The tutor counts the time between two
//! things the learner does (a key, a click, a paste) when they are at most [`IDLE_AFTER`]
//! apart; a longer gap means the learner was away and counts nothing, and so does the time
//! while the terminal reports that it lost the focus (another window in front). The time goes to the
//! chapter open in the lesson pane during the gap, and to the open exercise when the exercise
//! pane, the console or the key inspector had the keys. Time in the learner's editor (opened
//! with `e`) counts whole, up to [`EDITOR_LIMIT`].
//!
//! Seconds are added to progress as they accrue; progress is saved about once a minute of
//! study (and when the tutor quits), not on every key.

use crate::course::progress::Progress;
use std::time::{Duration, Instant};

/// The longest pause that still counts as studying.
pub const IDLE_AFTER: Duration = Duration::from_secs(5 * 60);

/// The most one stay in the learner's editor counts for.
pub const EDITOR_LIMIT: Duration = Duration::from_secs(60 * 60);

/// How many studied seconds may be unsaved before progress is saved.
const SAVE_EVERY_SECONDS: u64 = 60;

/// What is being studied: the chapter open in the lesson pane (its directory name,
/// `01-redis-fundamentals`) and the exercise worked on, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place {
    pub(super) chapter: String,
    pub(super) exercise: Option<String>,
}

/// The study time being counted.
#[derive(Debug)]
pub(super) struct StudyClock {
    /// When the learner last did something.
    last: Instant,
    /// Counted time below a whole second, carried to the next gap.
    carry: Duration,
    /// Seconds added to progress since it was last saved.
    unsaved: u64,
    /// The terminal lost the focus: nothing counts until it is back.
    away: bool,
}

impl StudyClock {
    /// Starts counting: opening the tutor is the first thing the learner does.
    pub(super) fn new(now: Instant) -> StudyClock {
        StudyClock {
            last: now,
            carry: Duration::ZERO,
            unsaved: 0,
            away: false,
        }
    }

    /// The learner did something at `now` while `place` was studied: the time since the last
    /// activity counts for it unless it is longer than [`IDLE_AFTER`]. Returns whether enough
    /// time built up since the last save for progress to be saved.
    pub(super) fn activity(
        &mut self,
        now: Instant,
        place: &Place,
        progress: &mut Progress,
    ) -> bool {
        let gap = now.saturating_duration_since(self.last);
        let counted = if gap <= IDLE_AFTER && !self.away {
            gap
        } else {
            Duration::ZERO
        };
        self.away = false;
        self.count(now, counted, place, progress)
    }

    /// The terminal lost the focus at `now`: the time up to now counts as for an activity,
    /// the time until [`StudyClock::back`] does not.
    pub(super) fn away(&mut self, now: Instant, place: &Place, progress: &mut Progress) -> bool {
        let save = self.activity(now, place, progress);
        self.away = true;
        save
    }

    /// The terminal has the focus again at `now`: counting starts over from here.
    pub(super) fn back(&mut self, now: Instant) {
        self.last = now;
        self.away = false;
    }

    /// The learner's editor closed at `now`: the time in it counts, up to [`EDITOR_LIMIT`].
    pub(super) fn back_from_editor(
        &mut self,
        now: Instant,
        place: &Place,
        progress: &mut Progress,
    ) -> bool {
        let gap = now.saturating_duration_since(self.last).min(EDITOR_LIMIT);
        self.count(now, gap, place, progress)
    }

    /// Progress is being saved: the unsaved time is in it.
    pub(super) fn saved(&mut self) {
        self.unsaved = 0;
    }

    fn count(
        &mut self,
        now: Instant,
        counted: Duration,
        place: &Place,
        progress: &mut Progress,
    ) -> bool {
        self.last = now;
        if place.chapter.is_empty() {
            return false;
        }
        let total = self.carry + counted;
        let seconds = total.as_secs();
        self.carry = total - Duration::from_secs(seconds);
        if seconds > 0 {
            progress.add_study_time(&place.chapter, place.exercise.as_deref(), seconds);
            self.unsaved += seconds;
        }
        self.unsaved >= SAVE_EVERY_SECONDS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAPTER: &str = "01-redis-fundamentals";

    fn chapter(name: &str) -> Place {
        Place {
            chapter: name.into(),
            exercise: None,
        }
    }

    #[test]
    fn pauses_up_to_the_idle_limit_count_and_longer_ones_do_not() {
        let start = Instant::now();
        let mut clock = StudyClock::new(start);
        let mut progress = Progress::default();
        let at = |s: u64| start + Duration::from_secs(s);
        clock.activity(at(30), &chapter(CHAPTER), &mut progress);
        clock.activity(at(30 + 300), &chapter(CHAPTER), &mut progress);
        assert_eq!(progress.seconds_studied(CHAPTER), 330);
        clock.activity(at(330 + 301), &chapter(CHAPTER), &mut progress);
        assert_eq!(
            progress.seconds_studied(CHAPTER),
            330,
            "away for more than five minutes"
        );
        clock.activity(at(631 + 10), &chapter("02-caching-patterns"), &mut progress);
        assert_eq!(progress.seconds_studied("02-caching-patterns"), 10);
    }

    #[test]
    fn fractions_of_a_second_add_up() {
        let start = Instant::now();
        let mut clock = StudyClock::new(start);
        let mut progress = Progress::default();
        for n in 1..=10 {
            clock.activity(
                start + Duration::from_millis(250 * n),
                &chapter(CHAPTER),
                &mut progress,
            );
        }
        assert_eq!(progress.seconds_studied(CHAPTER), 2);
    }

    #[test]
    fn progress_is_saved_about_once_a_minute_of_study() {
        let start = Instant::now();
        let mut clock = StudyClock::new(start);
        let mut progress = Progress::default();
        assert!(!clock.activity(
            start + Duration::from_secs(59),
            &chapter(CHAPTER),
            &mut progress
        ));
        assert!(clock.activity(
            start + Duration::from_secs(61),
            &chapter(CHAPTER),
            &mut progress
        ));
        clock.saved();
        assert!(!clock.activity(
            start + Duration::from_secs(62),
            &chapter(CHAPTER),
            &mut progress
        ));
    }

    #[test]
    fn time_in_the_editor_counts_up_to_an_hour() {
        let start = Instant::now();
        let mut clock = StudyClock::new(start);
        let mut progress = Progress::default();
        clock.back_from_editor(
            start + Duration::from_secs(20 * 60),
            &chapter(CHAPTER),
            &mut progress,
        );
        assert_eq!(progress.seconds_studied(CHAPTER), 20 * 60);
        clock.back_from_editor(
            start + Duration::from_secs(20 * 60 + 5 * 3600),
            &chapter(CHAPTER),
            &mut progress,
        );
        assert_eq!(progress.seconds_studied(CHAPTER), 20 * 60 + 3600);
    }

    /// The time while another window has the focus does not count, even when short.
    #[test]
    fn time_out_of_focus_counts_nothing() {
        let start = Instant::now();
        let mut clock = StudyClock::new(start);
        let mut progress = Progress::default();
        let at = |s: u64| start + Duration::from_secs(s);
        clock.away(at(30), &chapter(CHAPTER), &mut progress);
        clock.back(at(200));
        clock.activity(at(210), &chapter(CHAPTER), &mut progress);
        assert_eq!(
            progress.seconds_studied(CHAPTER),
            40,
            "30 s before, 10 s after"
        );
        // A key while the terminal says it is away (focus reports can be lost) ends the
        // absence, but the absence itself counts nothing.
        clock.away(at(220), &chapter(CHAPTER), &mut progress);
        clock.activity(at(260), &chapter(CHAPTER), &mut progress);
        assert_eq!(progress.seconds_studied(CHAPTER), 50);
    }

    /// Time with an exercise open counts for the exercise as well as for its chapter.
    #[test]
    fn time_counts_for_the_exercise_worked_on() {
        let start = Instant::now();
        let mut clock = StudyClock::new(start);
        let mut progress = Progress::default();
        let working = Place {
            chapter: CHAPTER.into(),
            exercise: Some("scan-not-keys".into()),
        };
        clock.activity(start + Duration::from_secs(40), &working, &mut progress);
        clock.activity(
            start + Duration::from_secs(70),
            &chapter(CHAPTER),
            &mut progress,
        );
        assert_eq!(progress.exercise("scan-not-keys").seconds_studied, 40);
        assert_eq!(progress.seconds_studied(CHAPTER), 70);
    }
}
