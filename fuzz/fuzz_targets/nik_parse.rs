//! Any text as a NIK: no panic; a NIK that parses decodes, and its canonical form parses again to
//! the same NIK.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(nik) = waspada_nik::Nik::parse(text) {
        let _ = nik.decode();
        let again = waspada_nik::Nik::parse(nik.as_str()).expect("a parsed NIK parses again");
        assert_eq!(again, nik);
    }
    let _ = waspada_nik::Nik::parse_format(text);
});
