//! Fixed vocabularies the generator draws from: names, places, carriers, agencies, texts.
//!
//! Lists are hand-written for realism (common Indonesian usage); nothing here comes from a
//! personal-data source. Changing a list changes every seed's output, so do it on purpose.

/// Given names common across Bengkulu's Malay- and Rejang-speaking areas (and Indonesia at large).
pub const MALE_LOCAL: &[&str] = &[
    "Agus",
    "Andi",
    "Ardiansyah",
    "Bujang",
    "Budi",
    "Darlis",
    "Darmawan",
    "Dedi",
    "Edi",
    "Eko",
    "Fajar",
    "Firmansyah",
    "Hendri",
    "Herliansyah",
    "Herman",
    "Irwan",
    "Jonaidi",
    "Joni",
    "Junaidi",
    "Mardiansyah",
    "Marzuki",
    "Rahmat",
    "Riki",
    "Rudi",
    "Safri",
    "Sapri",
    "Sarwan",
    "Syahrial",
    "Taufik",
    "Wahyu",
    "Yudi",
    "Yusman",
    "Zulhelmi",
    "Zulkifli",
    "Darmin",
    "Hasanudin",
    "Iskandar",
    "Jumadi",
    "Kurniawan",
    "Rusdi",
    "Suparman",
    "Samsul",
    "Erwin",
    "Feri",
];

/// Given names for women, same areas.
pub const FEMALE_LOCAL: &[&str] = &[
    "Ani",
    "Desi",
    "Dewi",
    "Eka",
    "Eli",
    "Erni",
    "Fitri",
    "Herlina",
    "Jusna",
    "Leni",
    "Lestari",
    "Lina",
    "Mardiana",
    "Marlina",
    "Mega",
    "Meri",
    "Misnawati",
    "Novi",
    "Nurhayati",
    "Rina",
    "Ropiah",
    "Rosita",
    "Rosmawati",
    "Sri",
    "Sumiati",
    "Wati",
    "Yanti",
    "Yuliana",
    "Yusnita",
    "Zurainah",
    "Helmi",
    "Santi",
    "Susanti",
    "Wulandari",
    "Indah",
    "Putri",
    "Ratna",
    "Sartika",
    "Nengsih",
    "Yeni",
    "Darmawati",
    "Elvi",
];

/// Arabic-origin given names (men).
pub const MALE_ARABIC: &[&str] = &[
    "Muhammad",
    "Ahmad",
    "Abdullah",
    "Abdul Rahman",
    "Abdul Karim",
    "Ali",
    "Hamzah",
    "Hasan",
    "Husin",
    "Ibrahim",
    "Ismail",
    "Umar",
    "Usman",
    "Yusuf",
    "Zainal",
    "Zakaria",
    "Syarifuddin",
    "Nurdin",
    "Nasrullah",
    "Hidayat",
    "Fadli",
    "Rizki",
    "Ilham",
    "Arif",
    "Sulaiman",
    "Khairul",
    "Syahrul",
    "Jamaludin",
];

/// Arabic-origin given names (women).
pub const FEMALE_ARABIC: &[&str] = &[
    "Siti",
    "Nur",
    "Nurul",
    "Aisyah",
    "Fatimah",
    "Khadijah",
    "Zainab",
    "Rahmah",
    "Aminah",
    "Maryam",
    "Halimah",
    "Nur Aini",
    "Siti Aisyah",
    "Siti Rahmah",
    "Syarifah",
    "Hafsah",
    "Salmah",
    "Jamilah",
    "Rukiah",
    "Latifah",
    "Nadia",
    "Aulia",
    "Zahra",
    "Annisa",
    "Khairunnisa",
];

/// Second words frequently added to a given name.
pub const MALE_SECOND: &[&str] = &[
    "Saputra",
    "Pratama",
    "Hidayat",
    "Setiawan",
    "Gunawan",
    "Hakim",
    "Ramadhan",
    "Syahputra",
    "Wijaya",
    "Firdaus",
    "Kurniawan",
    "Nugraha",
    "Santoso",
    "Hasibuan",
    "Effendi",
    "Rahman",
    "Alamsyah",
    "Maulana",
];

/// Second words for women.
pub const FEMALE_SECOND: &[&str] = &[
    "Sari",
    "Wati",
    "Lestari",
    "Handayani",
    "Rahmawati",
    "Puspita",
    "Anggraini",
    "Safitri",
    "Maharani",
    "Permata",
    "Yulianti",
    "Novitasari",
    "Purnamasari",
    "Oktaviani",
    "Fitriani",
    "Kusuma",
    "Ramadhani",
    "Utami",
];

/// Chinese-Indonesian family names, in Indonesianised and clan spellings.
pub const CHINESE_FAMILY: &[&str] =
    &["Tan", "Lim", "Ong", "Oei", "Liem", "Lie", "Halim", "Salim", "Wijaya", "Gunawan", "Tanoto", "Susanto", "Hartono"];

/// Chinese-Indonesian given names.
pub const CHINESE_GIVEN_MALE: &[&str] =
    &["Hendra", "Yohanes", "Stefanus", "Budi", "Andreas", "Kevin", "Wei Ming", "Ah Kiong", "Sutrisno", "Robert"];
pub const CHINESE_GIVEN_FEMALE: &[&str] =
    &["Meilani", "Mei Ling", "Lina", "Susan", "Lili", "Veronika", "Siu Lan", "Yuliana", "Megawati", "Fenny"];

/// Names of foreign nationals for entry bans and INTERPOL notices: (name, nationality).
pub const FOREIGN_NAMES: &[(&str, &str)] = &[
    ("Tan Wei Ming", "MYS"),
    ("Lim Chee Keong", "MYS"),
    ("Muhammad Faizal bin Rahman", "MYS"),
    ("Wong Kah Seng", "MYS"),
    ("Sok Dara", "KHM"),
    ("Chea Sopheap", "KHM"),
    ("Wang Jun", "CHN"),
    ("Zhang Wei", "CHN"),
    ("Li Qiang", "CHN"),
    ("Aung Kyaw Min", "MMR"),
    ("Nguyen Van Hung", "VNM"),
    ("Somchai Sukprasert", "THA"),
    ("Abdulaziz Al-Qahtani", "SAU"),
    ("Mohammed Al-Harbi", "SAU"),
    ("Chen Jianguo", "TWN"),
];

/// Common Indonesian mobile prefixes (after the leading 0).
pub const MOBILE_PREFIXES: &[&str] = &[
    "811", "812", "813", "821", "822", "823", "852", "853", "851", "814", "815", "816", "855", "856", "857", "858",
    "817", "818", "819", "859", "877", "878", "895", "896", "897", "898", "899", "881", "882", "883", "831", "838",
];

/// Gateways: code, carriers and what they serve.
pub struct Gateway {
    pub code: &'static str,
    pub by_sea: bool,
}

pub const CGK: Gateway = Gateway { code: "CGK", by_sea: false };
pub const PDG: Gateway = Gateway { code: "PDG", by_sea: false };
pub const KNO: Gateway = Gateway { code: "KNO", by_sea: false };
pub const PKU: Gateway = Gateway { code: "PKU", by_sea: false };
pub const BTH: Gateway = Gateway { code: "BTH", by_sea: false };
/// Batam Centre ferry terminal.
pub const BTC: Gateway = Gateway { code: "BTC", by_sea: true };
/// Dumai port.
pub const DUM: Gateway = Gateway { code: "DUM", by_sea: true };

/// A route option towards a destination: gateway, carrier, flight/vessel prefix, weight.
pub struct Route {
    pub gateway: &'static Gateway,
    pub carrier: &'static str,
    pub voyage_prefix: &'static str,
    pub weight: u32,
}

macro_rules! route {
    ($gw:expr, $carrier:expr, $prefix:expr, $w:expr) => {
        Route { gateway: &$gw, carrier: $carrier, voyage_prefix: $prefix, weight: $w }
    };
}

/// Routes by destination (ISO 3166 alpha-3). Unknown destinations fall back to Soekarno-Hatta.
pub fn routes(destination: &str) -> &'static [Route] {
    const SAU: &[Route] = &[
        route!(CGK, "Saudia", "SV", 5),
        route!(CGK, "Garuda Indonesia", "GA", 4),
        route!(PDG, "Saudia", "SV", 3),
        route!(KNO, "Garuda Indonesia", "GA", 1),
    ];
    const MYS: &[Route] = &[
        route!(CGK, "AirAsia", "AK", 3),
        route!(KNO, "AirAsia", "AK", 2),
        route!(PKU, "AirAsia", "AK", 2),
        route!(PDG, "AirAsia", "AK", 2),
        route!(CGK, "Malaysia Airlines", "MH", 2),
        route!(BTC, "Majestic Fast Ferry", "MFF", 2),
        route!(DUM, "Indomal Express", "IMX", 2),
    ];
    const SGP: &[Route] = &[
        route!(CGK, "Singapore Airlines", "SQ", 3),
        route!(CGK, "Scoot", "TR", 2),
        route!(BTC, "Batam Fast", "BF", 4),
        route!(BTH, "Scoot", "TR", 1),
    ];
    const HKG: &[Route] = &[route!(CGK, "Cathay Pacific", "CX", 3), route!(CGK, "Garuda Indonesia", "GA", 2)];
    const TWN: &[Route] = &[route!(CGK, "China Airlines", "CI", 3), route!(CGK, "EVA Air", "BR", 2)];
    const KOR: &[Route] = &[route!(CGK, "Korean Air", "KE", 3), route!(CGK, "Garuda Indonesia", "GA", 2)];
    const JPN: &[Route] = &[route!(CGK, "Garuda Indonesia", "GA", 2), route!(CGK, "Japan Airlines", "JL", 2)];
    // Cambodia and Myanmar are reached through Kuala Lumpur or Bangkok: the exit shows a Malaysian
    // or Thai leg, which is exactly what makes the stated purpose hard to check.
    const KHM: &[Route] = &[
        route!(CGK, "AirAsia", "AK", 3),
        route!(KNO, "AirAsia", "AK", 2),
        route!(BTC, "Majestic Fast Ferry", "MFF", 1),
    ];
    const MMR: &[Route] = &[route!(CGK, "Thai AirAsia", "FD", 2), route!(CGK, "AirAsia", "AK", 1)];
    const THA: &[Route] = &[route!(CGK, "Thai Airways", "TG", 2), route!(CGK, "Thai AirAsia", "FD", 2)];
    const ARE: &[Route] = &[route!(CGK, "Emirates", "EK", 3), route!(CGK, "Etihad Airways", "EY", 1)];
    const QAT: &[Route] = &[route!(CGK, "Qatar Airways", "QR", 1)];
    const TUR: &[Route] = &[route!(CGK, "Turkish Airlines", "TK", 1)];
    const OTHER: &[Route] = &[route!(CGK, "Garuda Indonesia", "GA", 1)];
    match destination {
        "SAU" => SAU,
        "MYS" => MYS,
        "SGP" => SGP,
        "HKG" => HKG,
        "TWN" => TWN,
        "KOR" => KOR,
        "JPN" => JPN,
        "KHM" => KHM,
        "MMR" => MMR,
        "THA" => THA,
        "ARE" => ARE,
        "QAT" => QAT,
        "TUR" => TUR,
        _ => OTHER,
    }
}

/// Licensed umrah and hajj organisers (PPIU): fictional names.
pub const UMRAH_AGENCIES: &[&str] = &[
    "PT Amanah Wisata Rafflesia",
    "PT Bumi Rafflesia Tour & Travel",
    "PT Safa Marwah Bengkulu",
    "PT Nur Ilahi Wisata",
    "PT Al-Hijrah Mandiri Travel",
    "PT Baitul Makmur Tour",
];

/// Licensed migrant-worker placement companies (P3MI): fictional names.
pub const PLACEMENT_AGENCIES: &[&str] = &[
    "PT Sinar Jaya Mandiri Utama",
    "PT Karya Bakti Nusantara",
    "PT Duta Tenaga Sejahtera",
    "PT Mitra Kerja Sumatera",
    "PT Bina Insani Global",
];

/// Employers abroad for official placements: (destination, employer, address).
pub const EMPLOYERS: &[(&str, &str, &str)] = &[
    ("MYS", "Sime Plantation Services Sdn Bhd", "Ladang Sungai Buloh, Selangor, Malaysia"),
    ("MYS", "Kilang Elektronik Perai Sdn Bhd", "Kawasan Perindustrian Perai, Pulau Pinang, Malaysia"),
    ("HKG", "Chan Family (domestic employer)", "Tai Koo Shing, Hong Kong"),
    ("TWN", "Hsin Tai Precision Co., Ltd.", "Taoyuan District, Taoyuan, Taiwan"),
    ("KOR", "Daesung Fisheries Co.", "Tongyeong, Gyeongsangnam-do, Korea"),
    ("JPN", "Kaigo Care Osaka K.K.", "Sakai, Osaka, Japan"),
    ("SAU", "Al Nahdi Hospitality Co.", "Jeddah, Saudi Arabia"),
    ("SGP", "Lim Household (domestic employer)", "Tampines, Singapore"),
];

/// What recruiters promise, for vague employers on trafficking-network applications.
pub const VAGUE_JOBS: &[(&str, &str)] = &[
    ("MYS", "restoran di Kuala Lumpur"),
    ("MYS", "kebun sawit di Johor"),
    ("MYS", "kilang di Selangor"),
    ("KHM", "perusahaan online di Phnom Penh"),
    ("KHM", "hotel dan kasino di Sihanoukville"),
    ("MMR", "perusahaan IT di Myawaddy"),
    ("SAU", "rumah tangga di Riyadh"),
    ("ARE", "salon di Dubai"),
    ("THA", "pabrik di Bangkok"),
];

/// Embassies and consulates that issue SPLP to repatriated citizens, by country.
pub fn splp_office(destination: &str) -> &'static str {
    match destination {
        "MYS" => "KBRI Kuala Lumpur",
        "KHM" => "KBRI Phnom Penh",
        "MMR" => "KBRI Yangon",
        "SAU" => "KJRI Jeddah",
        "ARE" => "KBRI Abu Dhabi",
        "THA" => "KBRI Bangkok",
        "SGP" => "KBRI Singapura",
        _ => "KBRI Kuala Lumpur",
    }
}

/// Regencies outside Bengkulu that send many migrant workers; used for KTP domiciles far from the
/// office. Codes are Kemendagri regency codes.
pub const FAR_REGENCIES: &[&str] = &["3201", "3209", "3216", "3509", "3525", "5202", "5203", "1801", "1603", "1207"];

/// Offices far from Bengkulu where Bengkulu residents sometimes apply.
pub const FAR_OFFICES: &[&str] = &["Kanim Bekasi", "Kanim Jakarta Selatan", "Kanim Batam", "Kanim Medan"];

/// The office that serves Bengkulu Tengah.
pub const HOME_OFFICE: &str = "Kanim Bengkulu";

/// Plausible 2020-era population weights (thousands) for the kecamatan of Bengkulu Tengah, by
/// code. Not census figures: they only shape where synthetic residents live.
pub const KECAMATAN_WEIGHTS: &[(&str, u32)] = &[
    ("170901", 13), // Karang Tinggi
    ("170902", 15), // Talang Empat
    ("170903", 24), // Pondok Kelapa
    ("170904", 8),  // Pematang Tiga
    ("170905", 6),  // Pagar Jati
    ("170906", 11), // Taba Penanjung
    ("170907", 6),  // Merigi Kelindang
    ("170908", 6),  // Merigi Sakti
    ("170909", 10), // Pondok Kubang
    ("170910", 7),  // Bang Haji
    ("170911", 8),  // Semidang Lagan
];

/// Plausible population weights (thousands) of the other regencies of Bengkulu province.
pub const PROVINCE_WEIGHTS: &[(&str, u32)] = &[
    ("1701", 170), // Bengkulu Selatan
    ("1702", 270), // Rejang Lebong
    ("1703", 300), // Bengkulu Utara
    ("1704", 125), // Kaur
    ("1705", 210), // Seluma
    ("1706", 190), // Mukomuko
    ("1707", 110), // Lebong
    ("1708", 150), // Kepahiang
    ("1771", 380), // Kota Bengkulu
];

/// Interview-note fragments that carry trafficking indicators.
pub const RED_FLAG_NOTES: &[&str] = &[
    "tidak dapat menyebutkan alamat tujuan",
    "tidak mengetahui nama penjamin di negara tujuan",
    "tiket dan biaya dibayar oleh sponsor, akan dipotong dari gaji",
    "didampingi orang lain yang menjawab pertanyaan petugas",
    "mengaku wisata tetapi membawa ijazah dan surat keterangan kerja",
    "tidak memiliki tiket kembali",
    "ditawari pekerjaan melalui media sosial",
    "tidak tahu berapa lama akan tinggal",
    "jawaban berubah-ubah tentang tujuan perjalanan",
];

/// Interview-note fragments of an ordinary application.
pub const ORDINARY_NOTES: &[&str] = &[
    "tujuan perjalanan jelas",
    "membawa bukti pemesanan tiket pulang pergi",
    "membawa surat undangan keluarga",
    "bepergian bersama keluarga",
    "dokumen pendukung lengkap",
    "pernah bepergian ke luar negeri sebelumnya",
];
