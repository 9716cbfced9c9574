//! How much heap the process holds: a counting global allocator over the system one.
//!
//! The binary installs [`CountingAllocator`] so that the embedded engine, which lives in the
//! tutor's own process, can refuse commands that would grow memory once the process holds
//! more than its safety limit (see `engine::limits`), instead of growing until the kernel's
//! OOM killer ends the tutor. Counting costs one relaxed atomic add per allocation.
//!
//! ```ignore
//! #[global_allocator]
//! static HEAP: redis_tutor::heap::CountingAllocator = redis_tutor::heap::CountingAllocator;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting the bytes it has handed out and not yet taken back.
pub struct CountingAllocator;

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    if live > PEAK.load(Ordering::Relaxed) {
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

fn shrank(by: usize) {
    LIVE.fetch_sub(by, Ordering::Relaxed);
}

// SAFETY: every call is passed to `System` unchanged; only the counters are added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is System's.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Bytes of heap the process holds now; None when [`CountingAllocator`] is not the global
/// allocator (nothing was ever counted).
pub fn in_use() -> Option<usize> {
    match PEAK.load(Ordering::Relaxed) {
        0 => None,
        _ => Some(LIVE.load(Ordering::Relaxed)),
    }
}

/// The most heap the process has held at once; None when nothing is counted.
pub fn peak() -> Option<usize> {
    match PEAK.load(Ordering::Relaxed) {
        0 => None,
        peak => Some(peak),
    }
}
