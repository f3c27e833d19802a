//! Property: any valid person imports and reads back unchanged (SQLite only, to keep it quick).

use chrono::NaiveDate;
use proptest::prelude::*;
use waspada_domain::{FullName, PartialDate, Person, PhoneNumber, Sex, name_lookup_keys};
use waspada_store::{ConflictPolicy, RowOutcome};

use crate::fixtures::{clerk, date, nik_for, officer};

/// Districts with one of their villages (desa or kelurahan), from the shipped region list.
const PLACES: [(&str, &str); 3] = [("170901", "1709012001"), ("177101", "1771011001"), ("177109", "1771091001")];

fn a_name() -> impl Strategy<Value = FullName> {
    // Letters with the accents, apostrophes and punctuation seen in the registers, and anything
    // printable now and then.
    prop_oneof![
        4 => "[A-Z][a-z]{1,9}( [A-Za-zéü'.-]{1,10}){0,3}",
        1 => "\\PC{1,40}",
    ]
    .prop_filter_map("not a valid name", |text| FullName::parse("name", &text).ok())
}

fn a_phone() -> impl Strategy<Value = PhoneNumber> {
    "08[1-9][0-9]{7,10}".prop_filter_map("not a valid phone", |text| PhoneNumber::parse("phone", &text).ok())
}

fn a_person() -> impl Strategy<Value = Person> {
    (
        (0usize..PLACES.len(), 1940i32..2024, 1u32..=12, 1u32..=31, any::<bool>(), 1u16..=9999),
        a_name(),
        prop::collection::vec(a_name(), 0..3),
        prop::collection::vec(a_phone(), 0..3),
        prop::option::of("\\PC{1,80}"),
        prop::option::of(any::<bool>()),
    )
        .prop_filter_map(
            "not a valid person",
            |((place, year, month, day, female, serial), full_name, aliases, phones, address, region)| {
                let born = NaiveDate::from_ymd_opt(year, month, day)?;
                let sex = if female { Sex::Female } else { Sex::Male };
                let (district, village) = PLACES[place];
                let region = region.map(|use_village| if use_village { village } else { district });
                Person::new(
                    nik_for(district, born, sex, serial),
                    full_name,
                    aliases,
                    PartialDate::from_date(born),
                    sex,
                    region,
                    phones,
                    address,
                    date("2026-06-01"),
                )
                .ok()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_valid_person_reads_back_equal(person in a_person()) {
        crate::support::on_sqlite(|harness| {
            let store = harness.open();
            let outcomes =
                store.import_persons(std::slice::from_ref(&person), ConflictPolicy::Reject, &clerk()).unwrap();
            assert_eq!(outcomes, [RowOutcome::Inserted]);
            let found = store.person_by_nik(&person.nik, &officer()).unwrap().expect("stored");
            assert_eq!(found.record, person);
            // A name with no Latin letters or digits has no lookup keys, so it cannot be searched.
            let by_name = store.persons_by_name(person.full_name.as_str(), None, 10, &officer()).unwrap();
            let expected =
                if name_lookup_keys(person.full_name.as_str()).is_empty() { vec![] } else { vec![person.clone()] };
            assert_eq!(by_name.into_iter().map(|p| p.record).collect::<Vec<_>>(), expected);
        });
    }
}
