//! The fuzz targets' checks, as plain functions of the input bytes, so that the normal test suite
//! can run them over saved crashes without libFuzzer (tests/fuzz_regressions.rs includes
//! `cases.rs` by path).
pub mod cases;
pub mod http;

/// The fuzz binaries count the bytes the engine holds, to assert that an N-byte input cannot make
/// it hold more than a fixed multiple of N (cases.rs `bounded`). Only under cargo-fuzz.
#[cfg(fuzzing)]
pub mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    struct Counting;
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    fn grew(by: usize) {
        let live = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(live, Relaxed);
    }

    // SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            grew(l.size());
            System.alloc(l)
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            LIVE.fetch_sub(l.size(), Relaxed);
            System.dealloc(p, l)
        }
        unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
            grew(l.size());
            System.alloc_zeroed(l)
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            if new > l.size() {
                grew(new - l.size());
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
            System.realloc(p, l, new)
        }
    }

    #[global_allocator]
    static ALLOC: Counting = Counting;

    /// Start a measurement: the peak is reset to what is held now, which is returned.
    pub fn reset_peak() -> usize {
        let live = LIVE.load(Relaxed);
        PEAK.store(live, Relaxed);
        live
    }

    pub fn peak() -> usize {
        PEAK.load(Relaxed)
    }
}
