//! Any text as two names: no panic in analysis and comparison; scores are finite and within 0..=1,
//! a name matches itself, and the two directions agree within the tolerance the names crate
//! documents (its alignment is greedy in query order, so a difference of a few hundredths between
//! directions is by design; the first fuzz run found one of 0.07).
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
    assert!((ab - ba).abs() < 0.2, "{left:?} vs {right:?}: {ab} one way, {ba} the other");
    let own = waspada_names::compare(&a, &a, weight).score;
    assert!(own > 0.99, "{left:?} against itself: {own}");
});
