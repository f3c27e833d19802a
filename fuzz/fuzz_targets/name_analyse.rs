//! Any text as two names: no panic in analysis and comparison; scores are finite and within 0..=1,
//! a name matches itself, and the two directions give the same score (the alignment is an exact
//! search over a fixed order of the two names since 2026-11-29; before, a greedy alignment let
//! them differ, which this target found twice).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (left, right) = text.split_once('\n').unwrap_or((text, "Siti Rahmawati"));
    let (Ok(a), Ok(b)) = (waspada_names::analyse(left), waspada_names::analyse(right)) else { return };
    let weight = &waspada_names::default_weight;
    let ab = waspada_names::compare(&a, &b, weight).score;
    let ba = waspada_names::compare(&b, &a, weight).score;
    assert!(ab.is_finite() && (0.0..=1.0 + 1e-4).contains(&ab), "{left:?} vs {right:?}: {ab}");
    assert!(ab == ba, "{left:?} vs {right:?}: {ab} one way, {ba} the other");
    let own = waspada_names::compare(&a, &a, weight).score;
    assert!(own > 0.99, "{left:?} against itself: {own}");
});
