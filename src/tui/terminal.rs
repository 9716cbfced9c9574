//! Taking over the terminal (raw mode, alternate screen, mouse capture, bracketed paste, focus
//! reports) and always giving it back: on a normal quit, on an error and on a panic.

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io::{self, Stdout};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

/// True while the TUI owns the terminal.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The thread that draws; a panic there ends the TUI.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

/// The real terminal the tutor draws on.
pub type RealTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, so every exit path (return, `?`, unwinding) cleans up.
pub struct TerminalGuard {
    /// Dropped by hand: not at all when the terminal has gone away (see the `Drop` impl).
    terminal: ManuallyDrop<RealTerminal>,
}

impl TerminalGuard {
    /// Enters raw mode, the alternate screen, mouse capture, bracketed paste and focus reports
    /// (study time stops while the terminal is in the background), after installing a panic
    /// hook that restores the terminal before the previous hook prints the panic.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        if let Ok(mut ui_thread) = UI_THREAD.lock() {
            *ui_thread = Some(std::thread::current().id());
        }
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(error) = execute!(
            stdout,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            EnableFocusChange
        ) {
            restore();
            return Err(error);
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(TerminalGuard {
                terminal: ManuallyDrop::new(terminal),
            }),
            Err(error) => {
                restore();
                Err(error)
            }
        }
    }

    /// The terminal to draw on.
    pub fn terminal(&mut self) -> &mut RealTerminal {
        &mut self.terminal
    }

    /// Gives the terminal back for a while (to the learner's editor).
    pub fn suspend(&mut self) {
        let _ = self.terminal.show_cursor();
        restore();
    }

    /// Takes the terminal again after [`TerminalGuard::suspend`], on a cleared screen with a
    /// fresh [`Terminal`] so that the next frame is drawn whole (without asking the terminal
    /// where its cursor is, which not every terminal answers).
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            EnableFocusChange,
            Clear(ClearType::All)
        )?;
        *self.terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let shown = self.terminal.show_cursor().is_ok();
        restore();
        if shown {
            // SAFETY: the terminal is dropped once, here, and never used after.
            unsafe { ManuallyDrop::drop(&mut self.terminal) };
        }
        // Otherwise the terminal has gone away (its window or tmux closed): ratatui's own drop
        // would show the cursor again and print the failure to that dead terminal, which
        // panics. Its buffers go with the process, which is on its way out.
    }
}

/// Leaves raw mode, the alternate screen, mouse capture, bracketed paste and focus reports; safe
/// to call more than once.
pub fn restore() {
    ACTIVE.store(false, Ordering::SeqCst);
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableFocusChange,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen
    );
    let _ = execute!(io::stdout(), ratatui::crossterm::cursor::Show);
}

/// Chains a step in front of the current panic hook (once per process): while the TUI is
/// active, a panic on the drawing thread restores the terminal before the message is printed;
/// a panic on another thread (a background task, which the runtime survives) goes to the log
/// instead of over the screen.
fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) {
                let on_ui_thread = UI_THREAD
                    .lock()
                    .map(|ui| *ui == Some(std::thread::current().id()))
                    .unwrap_or(true);
                if !on_ui_thread {
                    tracing::error!("a background task panicked: {info}");
                    return;
                }
                restore();
            }
            previous(info);
        }));
    });
}
