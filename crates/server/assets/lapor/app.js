// Waspada citizens' app: plain ES2019, no framework, no build step. See README.md.
(() => {
'use strict';

// ---- Strings: one catalogue, `id` first ----
const T = {
id: {
  outbox_short: 'Antrean', close: 'Tutup', install: 'Pasang aplikasi di HP', menu: 'Menu',
  home_intro: 'Laporkan perekrutan mencurigakan atau perdagangan orang, lapor diri sebelum ke luar negeri, atau minta tolong. Tanpa sinyal pun bisa: kiriman disimpan di HP dan dikirim otomatis saat ada sinyal.',
  nav_sos: 'SOS — Minta tolong', nav_report: 'Laporkan perekrutan', nav_ld: 'Lapor diri', nav_status: 'Cek status',
  nav_family: 'Cek keluarga', nav_aw: 'Kenali tanda bahaya',
  online: 'Online', offline: 'Offline', lang_btn: 'EN', lang_label: 'Switch to English',
  report_title: 'Laporkan perekrutan mencurigakan',
  report_intro: 'Ceritakan apa yang terjadi. Hanya kolom bertanda * yang wajib.',
  editing: 'Periksa kembali isian ini, lalu simpan & kirim lagi.',
  f_what: 'Apa yang terjadi?', f_region: 'Desa / kecamatan', region_none: '— Tidak dipilih —',
  region_unloaded: '— Daftar desa belum ada (perlu sinyal sekali) —', region_whole: 'seluruh kecamatan',
  f_location: 'Lokasi (boleh dilewati)',
  f_loc_note: 'Lokasi hanya diambil jika Anda menekan tombol. Tanpa "lokasi tepat", lokasi dibulatkan ±1 km.',
  f_loc_btn: 'Pakai lokasi HP saya', f_loc_exact: 'Kirim lokasi tepat', loc_got: 'Lokasi didapat (±{0} m).',
  loc_wait: 'Mencari lokasi…', loc_fail: 'Lokasi tidak bisa diambil.', remove: 'Hapus',
  f_date: 'Tanggal kejadian', f_recruiter: 'Perekrut / calo (jika tahu)', f_name: 'Nama', f_phone: 'Nomor HP',
  f_company: 'Perusahaan / PT', f_social: 'Akun media sosial', f_dest: 'Negara tujuan', dest_none: '— Tidak tahu —',
  dest_other: 'Lainnya (tulis kode)', f_dest_other: 'Kode negara (2 huruf, mis. BN)',
  f_minor: 'Ada anak di bawah 18 tahun', f_people: 'Jumlah orang yang direkrut', f_photos: 'Foto (paling banyak 5)',
  f_photos_pick: 'Pilih foto', f_photos_cam: 'Ambil foto dengan kamera', f_keep_loc: 'Simpan lokasi di dalam foto',
  f_anon: 'Kirim tanpa nama (anonim)', f_contact: 'Kontak Anda (agar petugas bisa menghubungi)', f_email: 'Email',
  save_send: 'Simpan & kirim', cancel: 'Batal', check: 'Cek',
  ld_title: 'Lapor diri sebelum berangkat',
  ld_intro: 'Daftarkan perjalanan kerja, sekolah atau kunjungan ke luar negeri. Jika terjadi sesuatu, petugas tahu ke mana Anda pergi. Setelah sampai, check-in secara berkala.',
  f_full_name: 'Nama lengkap (sesuai paspor)', f_dob: 'Tanggal lahir', f_passport: 'Nomor paspor', f_my_phone: 'Nomor HP Anda',
  f_addr_abroad: 'Alamat di luar negeri', f_employer: 'Majikan / tempat kerja / sekolah', f_address: 'Alamat',
  f_purpose: 'Tujuan', p_: '—', p_work: 'Bekerja', p_study: 'Sekolah / kuliah', p_visit: 'Berkunjung', p_umrah: 'Umrah / haji',
  p_other: 'Lainnya', f_departure: 'Tanggal berangkat', f_return: 'Rencana tanggal pulang',
  f_agency: 'Perusahaan penempatan (P3MI), jika ada', f_ec: 'Kontak darurat di Indonesia', f_relation: 'Hubungan (mis. ibu, suami)',
  ld_kept: 'Kode tanda terima, tanggal lahir dan isian ini disimpan di HP ini agar Anda bisa check-in dan memperbarui data. Bisa dihapus di "Cek status".',
  ld_manage: 'Check-in, perbarui, atau tutup', ld_manage_intro: 'Pilih kode Anda, atau ketik kode LD dan tanggal lahir.',
  f_receipt: 'Kode tanda terima', f_checkin_msg: 'Pesan (boleh kosong)', checkin: 'Check-in: saya baik-baik saja',
  ld_update: 'Perbarui data lapor diri', f_returned: 'Tanggal pulang', ld_close: 'Saya sudah pulang (tutup)',
  confirm_close: 'Tutup lapor diri ini? Artinya Anda sudah pulang.',
  ld_updating: 'Memperbarui {0}. Data lama diganti seluruhnya: periksa semua isian.',
  sos_title: 'SOS — Minta tolong',
  sos_intro: 'Tekan tombol jika Anda dalam bahaya: dikurung, paspor ditahan, dipaksa bekerja, atau mengalami kekerasan. Jika bisa, telepon juga nomor bantuan di bawah.',
  sos_send: 'KIRIM SOS', f_sos_msg: 'Pesan singkat (boleh kosong)', sos_loc: 'Kirim lokasi saya',
  sos_ld: 'Kode lapor diri {0} ikut dikirim.', sos_saved: 'SOS tersimpan dan dikirim lebih dulu.',
  sos_locating: 'SOS tersimpan. Mencari lokasi…',
  sos_offline: 'Tidak ada sinyal: SOS dikirim begitu ada sinyal. Jika bisa, telepon nomor di bawah.', call: 'Nomor bantuan',
  status_title: 'Cek status', loading: 'Memeriksa…', r_kind: 'Jenis', r_received: 'Diterima', r_updated: 'Diperbarui',
  r_additions: 'Tambahan info', r_photos: 'Foto', f_add: 'Tambah informasi', my_receipts: 'Kode tanda terima saya',
  receipts_note: 'Disimpan hanya di HP ini (untuk lapor diri: juga tanggal lahir, agar check-in bisa). Catat kodenya di tempat lain juga: hanya kode ini kunci laporan Anda.',
  no_receipts: 'Belum ada.', forget: 'Hapus dari HP', manage: 'Check-in / kelola',
  confirm_forget: 'Hapus kode ini dari HP? Tanpa kode, laporan tidak bisa dicek lagi.',
  family_title: 'Cek keluarga di luar negeri',
  family_intro: 'Masukkan kode lapor diri (LD-…) dan tanggal lahir anggota keluarga untuk melihat apakah ia sudah check-in dalam 30 hari terakhir.',
  f_dob_traveller: 'Tanggal lahir yang bepergian', fam_active: 'Lapor diri aktif', fam_closed: 'Lapor diri ditutup (sudah pulang)',
  fam_dest: 'Negara tujuan', fam_last: 'Check-in terakhir', never: 'belum pernah',
  fam_recent: 'Sudah check-in dalam 30 hari terakhir.',
  fam_not_recent: 'Belum check-in lebih dari 30 hari. Coba hubungi dia; jika khawatir, hubungi nomor bantuan atau Kantor Imigrasi.',
  aw_title: 'Kenali tanda bahaya', aw_signs_h: 'Tanda perekrutan berbahaya', aw_steps_h: 'Bekerja ke luar negeri dengan aman',
  aw_signs: [
    'Tawaran kerja dengan gaji sangat tinggi untuk pekerjaan mudah, tanpa syarat jelas.',
    'Diminta membayar biaya besar, atau diberi "pinjaman" yang harus dilunasi dengan gaji.',
    'Tidak ada kontrak kerja tertulis, atau kontrak dalam bahasa yang tidak Anda pahami.',
    'Berangkat dengan visa turis, visa ziarah atau umrah untuk bekerja.',
    'Majikan atau agen menahan paspor dan dokumen Anda.',
    'Perekrut atau perusahaan tidak berizin dan tidak terdaftar di BP2MI atau Disnaker.',
    'Lewat "jalan pintas" melalui Malaysia atau Batam, atau lewat pelabuhan tidak resmi.',
    'Didesak cepat berangkat, disuruh merahasiakan dari keluarga atau berbohong kepada petugas imigrasi.'],
  aw_steps: [
    'Daftar dan minta informasi di Dinas Tenaga Kerja (Disnaker) kabupaten.',
    'Pakai jalur resmi penempatan melalui BP2MI; cek lowongan dan perusahaan penempatan di SISKOP2MI.',
    'Tawaran kerja asli punya perjanjian kerja tertulis: nama dan alamat majikan, pekerjaan, gaji, jam kerja, lama kontrak.',
    'Bekerja harus dengan visa kerja, bukan visa turis atau umrah.',
    'Jangan bayar biaya penempatan di luar yang diizinkan hukum; minta kuitansi.',
    'Ikuti Orientasi Pra Pemberangkatan (OPP) resmi.',
    'Paspor adalah milik Anda: jangan serahkan kepada siapa pun. Tinggalkan salinan dokumen untuk keluarga.',
    'Lapor diri di aplikasi ini dan daftar di aplikasi Safe Travel (Kemlu).'],
  hot: [['BP2MI (pekerja migran)', '0800-1000'], ['Polisi (Polri)', '110'], ['SAPA 129 (KemenPPPA)', '129'], ['Kemlu Safe Travel (WNI di luar negeri)', '+62 812-9007-0027']],
  outbox_title: 'Antrean kiriman', outbox_intro: 'Kiriman disimpan di HP dan dikirim otomatis saat ada sinyal; SOS lebih dulu.',
  outbox_empty: 'Semua sudah terkirim.', send_now: 'Kirim sekarang', review: 'Periksa & kirim lagi', retry: 'Coba lagi', del: 'Hapus',
  confirm_del: 'Hapus kiriman ini dari HP? Isinya akan hilang.', photos_progress: 'Foto: {0} dari {1} terkirim', photo_n: 'Foto {0}',
  next_try: 'Dicoba lagi sekitar {0}.',
  st_waiting: 'Menunggu dikirim', st_sending: 'Sedang dikirim', st_needs_review: 'Perlu diperiksa', st_failed: 'Gagal',
  k_report: 'Laporan', k_lapor_diri: 'Lapor diri', k_lapor_diri_update: 'Perbarui lapor diri', k_check_in: 'Check-in',
  k_close: 'Tutup lapor diri', k_sos: 'SOS', k_addition: 'Tambahan informasi',
  x_network: 'Tidak ada koneksi. Dicoba lagi otomatis.', x_pow: 'Pemeriksaan keamanan belum selesai. Dicoba lagi.',
  x_photos: 'Laporan terkirim, tetapi ada foto yang ditolak.', x_internal: 'Kesalahan di aplikasi. Dicoba lagi.',
  x_offline_lookup: 'Perlu sinyal internet untuk mengecek. Coba lagi nanti.', x_bad_response: 'Jawaban server tidak lengkap. Dicoba lagi.',
  x_http: 'Kesalahan server (HTTP {0}).',
  n_saved: 'Tersimpan di HP. Akan dikirim otomatis saat ada sinyal.', n_sent: '{0} terkirim. Kode tanda terima: {1} — simpan kode ini.',
  n_done: '{0} terkirim.', n_failed: 'Ada kiriman yang perlu diperiksa. Buka Antrean.',
  e_required: 'Wajib diisi: {0}', e_what: 'Ceritakan minimal 10 huruf (paling banyak {0}).', e_phone: 'Nomor HP tidak valid.',
  e_email: 'Email tidak valid.', e_date: 'Tanggal tidak valid.', e_future: 'Tanggal tidak boleh di masa depan.',
  e_return: 'Tanggal pulang harus setelah tanggal berangkat.', e_country: 'Tulis kode negara 2 huruf (mis. BN).',
  e_people: 'Jumlah orang: angka 1–10000.', e_contact: 'Isi nomor HP atau email, atau centang "tanpa nama".',
  e_passport: 'Nomor paspor: 6–20 huruf/angka.', e_receipt: 'Kode tidak valid. Contoh: LP-7K2M-9QXD-4H1B.',
  e_receipt_ld: 'Masukkan kode lapor diri (LD-…).', e_photos_max: 'Paling banyak {0} foto.', e_photo_type: 'Hanya file gambar.',
  e_photo_big: 'Foto {0} terlalu besar untuk dikirim utuh. Hapus centang "Simpan lokasi" agar foto diperkecil.',
  e_storage: 'Penyimpanan HP tidak bisa dipakai (penuh atau mode penyamaran?). Kiriman tidak bisa disimpan.',
  e_text: 'Teks terlalu panjang (maks. {0}).', e_markup: 'Jangan pakai tanda < diikuti huruf (kode HTML).'
},
en: {
  outbox_short: 'Outbox', close: 'Close', install: 'Install the app on this phone', menu: 'Menu',
  home_intro: 'Report suspicious recruitment or human trafficking, register before travelling abroad, or ask for help. Works without signal: what you send is kept on the phone and sent automatically when there is signal.',
  nav_sos: 'SOS — Get help', nav_report: 'Report recruitment', nav_ld: 'Register travel (lapor diri)', nav_status: 'Check status',
  nav_family: 'Check on family', nav_aw: 'Warning signs',
  online: 'Online', offline: 'Offline', lang_btn: 'ID', lang_label: 'Ganti ke Bahasa Indonesia',
  report_title: 'Report suspicious recruitment', report_intro: 'Tell us what happened. Only fields marked * are required.',
  editing: 'Please check this again, then save & send.',
  f_what: 'What happened?', f_region: 'Village / district', region_none: '— Not chosen —',
  region_unloaded: '— Village list not loaded yet (needs signal once) —', region_whole: 'whole district',
  f_location: 'Location (optional)', f_loc_note: 'Location is only taken if you press the button. Without "exact location" it is rounded to about 1 km.',
  f_loc_btn: 'Use my phone\'s location', f_loc_exact: 'Send exact location', loc_got: 'Location found (±{0} m).',
  loc_wait: 'Finding location…', loc_fail: 'Could not get the location.', remove: 'Remove',
  f_date: 'Date it happened', f_recruiter: 'Recruiter / broker (if known)', f_name: 'Name', f_phone: 'Phone number',
  f_company: 'Company', f_social: 'Social media account', f_dest: 'Destination country', dest_none: '— Don\'t know —',
  dest_other: 'Other (type the code)', f_dest_other: 'Country code (2 letters, e.g. BN)',
  f_minor: 'A child under 18 is involved', f_people: 'Number of people recruited', f_photos: 'Photos (up to 5)',
  f_photos_pick: 'Choose photos', f_photos_cam: 'Take a photo with the camera', f_keep_loc: 'Keep the location inside the photos',
  f_anon: 'Send without my name (anonymous)', f_contact: 'Your contact (so officers can reach you)', f_email: 'Email',
  save_send: 'Save & send', cancel: 'Cancel', check: 'Check',
  ld_title: 'Register before you travel (lapor diri)',
  ld_intro: 'Register your trip abroad for work, study or a visit. If something happens, officers know where you went. Once there, check in regularly.',
  f_full_name: 'Full name (as in passport)', f_dob: 'Date of birth', f_passport: 'Passport number', f_my_phone: 'Your phone number',
  f_addr_abroad: 'Address abroad', f_employer: 'Employer / workplace / school', f_address: 'Address',
  f_purpose: 'Purpose', p_: '—', p_work: 'Work', p_study: 'Study', p_visit: 'Visit', p_umrah: 'Umrah / hajj', p_other: 'Other',
  f_departure: 'Departure date', f_return: 'Planned return date', f_agency: 'Placement agency (P3MI), if any',
  f_ec: 'Emergency contact in Indonesia', f_relation: 'Relation (e.g. mother, husband)',
  ld_kept: 'The receipt code, your date of birth and this form are kept on this phone so you can check in and update. You can delete them under "Check status".',
  ld_manage: 'Check in, update or close', ld_manage_intro: 'Pick your code, or type an LD code and the date of birth.',
  f_receipt: 'Receipt code', f_checkin_msg: 'Message (optional)', checkin: 'Check in: I am fine',
  ld_update: 'Update my registration', f_returned: 'Date of return', ld_close: 'I am back home (close)',
  confirm_close: 'Close this registration? It means you are back home.',
  ld_updating: 'Updating {0}. The old data is replaced entirely: check every field.',
  sos_title: 'SOS — Get help',
  sos_intro: 'Press the button if you are in danger: locked in, passport taken, forced to work, or facing violence. If you can, also call a hotline below.',
  sos_send: 'SEND SOS', f_sos_msg: 'Short message (optional)', sos_loc: 'Send my location',
  sos_ld: 'Your lapor diri code {0} is attached.', sos_saved: 'SOS saved; it is sent before anything else.',
  sos_locating: 'SOS saved. Finding location…',
  sos_offline: 'No signal: the SOS goes out as soon as there is signal. If you can, call a number below.', call: 'Hotlines',
  status_title: 'Check status', loading: 'Checking…', r_kind: 'Kind', r_received: 'Received', r_updated: 'Updated',
  r_additions: 'Additions', r_photos: 'Photos', f_add: 'Add information', my_receipts: 'My receipt codes',
  receipts_note: 'Kept only on this phone (for lapor diri also the date of birth, so check-ins work). Write the code down elsewhere too: it is the only key to your report.',
  no_receipts: 'None yet.', forget: 'Remove from phone', manage: 'Check in / manage',
  confirm_forget: 'Remove this code from the phone? Without it the report cannot be checked again.',
  family_title: 'Check on family abroad',
  family_intro: 'Enter the lapor diri code (LD-…) and the traveller\'s date of birth to see whether they checked in within the last 30 days.',
  f_dob_traveller: 'Traveller\'s date of birth', fam_active: 'Registration active', fam_closed: 'Registration closed (back home)',
  fam_dest: 'Destination', fam_last: 'Last check-in', never: 'never',
  fam_recent: 'Checked in within the last 30 days.',
  fam_not_recent: 'No check-in for more than 30 days. Try to contact them; if worried, call a hotline or the immigration office.',
  aw_title: 'Warning signs', aw_signs_h: 'Signs of dangerous recruitment', aw_steps_h: 'Working abroad safely',
  aw_signs: [
    'A job offer with very high pay for easy work and no clear conditions.',
    'You must pay large fees, or get a "loan" to be repaid from your wages.',
    'No written contract, or a contract in a language you do not understand.',
    'Travelling on a tourist, pilgrimage or umrah visa to work.',
    'The employer or agent keeps your passport and documents.',
    'The recruiter or company is not licensed or registered with BP2MI or Disnaker.',
    '"Shortcuts" through Malaysia or Batam, or through unofficial ports.',
    'Pressure to leave fast, to keep it secret from family, or to lie to immigration officers.'],
  aw_steps: [
    'Register and ask for information at the district manpower office (Disnaker).',
    'Use official placement through BP2MI; check jobs and placement companies in SISKOP2MI.',
    'A genuine job offer comes with a written contract: employer name and address, the job, wage, working hours, contract length.',
    'Work only on a work visa, never on a tourist or umrah visa.',
    'Pay no placement fee beyond what the law allows; ask for receipts.',
    'Attend the official pre-departure orientation (OPP).',
    'Your passport is yours: never hand it over. Leave copies of your documents with family.',
    'Register here (lapor diri) and in the Safe Travel app (Ministry of Foreign Affairs).'],
  hot: [['BP2MI (migrant workers)', '0800-1000'], ['Police (Polri)', '110'], ['SAPA 129 (KemenPPPA)', '129'], ['Kemlu Safe Travel (citizens abroad)', '+62 812-9007-0027']],
  outbox_title: 'Outbox', outbox_intro: 'Items are kept on the phone and sent automatically when there is signal; SOS first.',
  outbox_empty: 'Everything has been sent.', send_now: 'Send now', review: 'Check & send again', retry: 'Try again', del: 'Delete',
  confirm_del: 'Delete this item from the phone? Its content will be lost.', photos_progress: 'Photos: {0} of {1} sent', photo_n: 'Photo {0}',
  next_try: 'Next try around {0}.',
  st_waiting: 'Waiting to send', st_sending: 'Sending', st_needs_review: 'Needs review', st_failed: 'Failed',
  k_report: 'Report', k_lapor_diri: 'Lapor diri', k_lapor_diri_update: 'Lapor diri update', k_check_in: 'Check-in',
  k_close: 'Close lapor diri', k_sos: 'SOS', k_addition: 'Additional information',
  x_network: 'No connection. Will retry automatically.', x_pow: 'The security check did not finish. Will retry.',
  x_photos: 'The report was sent, but some photos were refused.', x_internal: 'App error. Will retry.',
  x_offline_lookup: 'Checking needs an internet connection. Try again later.', x_bad_response: 'Incomplete answer from the server. Will retry.',
  x_http: 'Server error (HTTP {0}).',
  n_saved: 'Saved on this phone. It will be sent automatically when there is signal.', n_sent: '{0} sent. Receipt code: {1} — keep this code.',
  n_done: '{0} sent.', n_failed: 'Something needs your attention. Open the outbox.',
  e_required: 'Required: {0}', e_what: 'Please write at least 10 characters (at most {0}).', e_phone: 'The phone number is not valid.',
  e_email: 'The email is not valid.', e_date: 'Invalid date.', e_future: 'The date cannot be in the future.',
  e_return: 'The return date must be after the departure date.', e_country: 'Type a 2-letter country code (e.g. BN).',
  e_people: 'Number of people: 1–10000.', e_contact: 'Give a phone number or email, or tick "anonymous".',
  e_passport: 'Passport number: 6–20 letters/digits.', e_receipt: 'Invalid code. Example: LP-7K2M-9QXD-4H1B.',
  e_receipt_ld: 'Enter a lapor diri code (LD-…).', e_photos_max: 'At most {0} photos.', e_photo_type: 'Image files only.',
  e_photo_big: 'Photo {0} is too large to send unchanged. Untick "Keep the location" so it can be made smaller.',
  e_storage: 'Phone storage cannot be used (full, or private mode?). Nothing can be saved.',
  e_text: 'Text too long (at most {0}).', e_markup: 'Do not use "<" followed by a letter (HTML code).'
}};

// ---- Small helpers ----
const $ = (id) => document.getElementById(id);
const L = {
  get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
  set(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
};
const jparse = (s) => { try { return s ? JSON.parse(s) : null; } catch (e) { return null; } };
let lang = L.get('waspada.lang') === 'en' ? 'en' : 'id';
const t = (k) => (T[lang][k] !== undefined ? T[lang][k] : T.id[k] !== undefined ? T.id[k] : k);
const fmt = (k, ...a) => String(t(k)).replace(/\{(\d)\}/g, (m, i) => a[i]);
const val = (id) => $(id).value.trim();
const loc = () => (lang === 'id' ? 'id-ID' : 'en-GB');
function h(tag, props, kids) {
  const e = document.createElement(tag);
  for (const k in props || {}) {
    const v = props[k];
    if (v == null) continue;
    if (k === 'text') e.textContent = v; else if (k === 'cls') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of [].concat(kids == null ? [] : kids)) if (c != null && c !== false) e.append(c);
  return e;
}
function today() { const d = new Date(); return new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10); }
const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !isNaN(Date.parse(s));
function fmtTime(iso) {
  try { return new Date(iso).toLocaleString(loc(), { dateStyle: 'medium', timeStyle: 'short' }); } catch (e) { return String(iso || ''); }
}
function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const x = Array.from(b, (v) => (v + 256).toString(16).slice(1)).join('');
  return [x.slice(0, 8), x.slice(8, 12), x.slice(12, 16), x.slice(16, 20), x.slice(20)].join('-');
}
function randId() {
  return btoa(String.fromCharCode.apply(null, crypto.getRandomValues(new Uint8Array(24)))).replace(/\+/g, '-').replace(/\//g, '_');
}
const PHONE = /^\+?[0-9][0-9 ()\-.]{5,24}$/;
const CROCK = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
// Same reading as the server: any case, spaces/dashes anywhere, O = 0, I/L = 1.
function normRc(s) {
  const m = /^(SOS|LP|LD)(.{12})$/.exec(String(s || '').toUpperCase().replace(/[\s-]/g, ''));
  if (!m) return null;
  let out = m[1];
  for (let i = 0; i < 12; i++) {
    let c = m[2][i];
    c = c === 'O' ? '0' : c === 'I' || c === 'L' ? '1' : c;
    if (CROCK.indexOf(c) < 0) return null;
    out += (i % 4 ? '' : '-') + c;
  }
  return out;
}
const kindName = (k) => t('k_' + k);
function cname(c) {
  try { return new Intl.DisplayNames([lang], { type: 'region' }).of(c) || c; } catch (e) { return c; }
}

// ---- Notice & form errors ----
let noticeTimer = 0;
function notice(msg, sticky) {
  $('notice-text').textContent = msg;
  $('notice').hidden = false;
  clearTimeout(noticeTimer);
  if (!sticky) noticeTimer = setTimeout(() => { $('notice').hidden = true; }, 9000);
}
function labelOf(id) { const l = document.querySelector('label[for="' + id + '"]'); return l ? l.textContent : id; }
function formErr(errId) {
  const box = $(errId);
  box.textContent = '';
  box.parentNode.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  return (field, msg) => {
    box.textContent = msg;
    const f = field && $(field);
    if (f) { f.setAttribute('aria-invalid', 'true'); f.focus(); }
    return false;
  };
}
function errText(e) {
  if (!e) return '';
  const m = lang === 'en' ? e.message_en || e.message : e.message || e.message_en;
  if (m) return m;
  if (T.id['x_' + e.error]) return t('x_' + e.error);
  return fmt('x_http', e.status || e.error || '?');
}
const errOf = (res) => {
  const d = res.data || {};
  return { error: d.error || 'http', message: d.message, message_en: d.message_en, status: res.status };
};

// ---- Settings from the server (cached) ----
let cfg = Object.assign({ form_versions: {}, limits: {}, hotlines: [] }, jparse(L.get('waspada.config')));
let regions = jparse(L.get('waspada.regions')) || [];
const fv = (k) => Number(cfg.form_versions && cfg.form_versions[k]) || 1;
const lim = (k, d) => Number(cfg.limits && cfg.limits[k]) || d;
let deviceKey = '';

async function loadJson(path, fresh) {
  try {
    const r = await fetch(path, { cache: fresh ? 'no-store' : 'default', headers: { 'X-Device-Key': deviceKey } });
    return r.ok ? await r.json() : null;
  } catch (e) { return null; }
}
async function loadConfig(fresh) {
  const d = await loadJson('/api/v1/public/config', fresh);
  if (d && typeof d === 'object') {
    cfg = Object.assign({ form_versions: {}, limits: {}, hotlines: [] }, d);
    L.set('waspada.config', JSON.stringify(cfg));
    renderHotlines();
  }
}
async function loadRegions() {
  const d = await loadJson('/api/v1/public/regions');
  if (Array.isArray(d) && d.length) { regions = d; L.set('waspada.regions', JSON.stringify(d)); fillRegions(); }
}

// ---- IndexedDB ----
let db = null;
function openDb() {
  return new Promise((res, rej) => {
    const r = indexedDB.open('waspada-lapor', 1);
    r.onupgradeneeded = () => {
      const d = r.result;
      if (!d.objectStoreNames.contains('outbox')) d.createObjectStore('outbox', { keyPath: 'key' });
      if (!d.objectStoreNames.contains('receipts')) d.createObjectStore('receipts', { keyPath: 'receipt' });
      if (!d.objectStoreNames.contains('meta')) d.createObjectStore('meta', { keyPath: 'k' });
    };
    r.onsuccess = () => { const d = r.result; d.onversionchange = () => d.close(); res(d); };
    r.onerror = () => rej(r.error);
    r.onblocked = () => rej(new Error('blocked'));
  });
}
function tx(name, mode, fn) {
  return new Promise((res, rej) => {
    if (!db) { rej(new Error('no db')); return; }
    const x = db.transaction(name, mode);
    let out;
    const q = fn(x.objectStore(name));
    if (q) q.onsuccess = () => { out = q.result; };
    x.oncomplete = () => res(out);
    x.onerror = x.onabort = () => rej(x.error || new Error('tx'));
  });
}
const all = (n) => tx(n, 'readonly', (s) => s.getAll());
const get = (n, k) => tx(n, 'readonly', (s) => s.get(k));
const put = (n, v) => tx(n, 'readwrite', (s) => s.put(v));
const del = (n, k) => tx(n, 'readwrite', (s) => s.delete(k));

async function initDeviceKey() {
  const ok = (k) => typeof k === 'string' && /^[A-Za-z0-9_-]{22,64}$/.test(k);
  let k = L.get('waspada.device');
  let m = null;
  try { m = await get('meta', 'device'); } catch (e) { /* no db */ }
  if (!ok(k)) k = m && ok(m.v) ? m.v : randId();
  L.set('waspada.device', k);
  if (!m || m.v !== k) put('meta', { k: 'device', v: k }).catch(() => null);
  deviceKey = k;
}

// ---- The outbox ----
const CREATE = { report: 'report', lapor_diri: 'lapor_diri', sos: 'sos' };
const API = '/api/v1/public/';
// An older version held the whole outbox after a 429; nothing is held now.
const holdUntil = 0;
L.set('waspada.hold', '0');
let asked = false;

async function enqueue(kind, method, path, body, extra) {
  const item = Object.assign({
    key: uuid(), kind, method, path, body, photos: [], keep_location: false,
    created_at: new Date().toISOString(), form_version: body.form_version || null,
    state: 'waiting', attempts: 0, last_error: null, receipt: null, sent: false, next_at: 0
  }, extra);
  await put('outbox', item);
  if (!asked && navigator.storage && navigator.storage.persist) { asked = true; navigator.storage.persist().catch(() => null); }
  refreshOutbox();
  kick();
  return item;
}
const byTime = (a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0);
const order = (a, b) => (b.kind === 'sos') - (a.kind === 'sos') || byTime(a, b);

let busy = false, again = false, againForce = false;
function setSending(on) { document.body.dataset.sending = on ? '1' : '0'; }
function kick(force) {
  if (!db || !deviceKey) return;
  if (busy) { again = true; againForce = againForce || !!force; return; }
  busy = true; setSending(true);
  const run = async () => {
    let f = !!force;
    do { again = false; await drain(f); f = againForce; againForce = false; } while (again);
  };
  // One sender across tabs of this app.
  const p = navigator.locks ? navigator.locks.request('waspada-sender', { ifAvailable: true }, (lock) => (lock ? run() : null)) : run();
  p.catch((e) => console.error(e)).then(() => { busy = false; setSending(false); refreshOutbox(); });
}

async function drain(force) {
  const tried = new Set();
  for (;;) {
    if (navigator.onLine === false) return;
    const now = Date.now();
    if (holdUntil > now) return;
    const items = (await all('outbox')).filter((i) => (i.state === 'waiting' || i.state === 'sending') &&
      !tried.has(i.key) && (force || !(i.next_at > now)));
    if (!items.length) return;
    items.sort(order);
    tried.add(items[0].key);
    if ((await sendOne(items[0])) === 'stop') return;
  }
}

async function req(method, path, body, headers, ms) {
  const hd = Object.assign({ 'X-Device-Key': deviceKey }, headers);
  let b;
  if (body instanceof Blob) b = body;
  else if (body != null) { b = JSON.stringify(body); hd['Content-Type'] = 'application/json'; }
  const ctl = new AbortController();
  const tm = setTimeout(() => ctl.abort(), ms || 30000);
  try {
    const r = await fetch(path, { method, headers: hd, body: b, cache: 'no-store', credentials: 'same-origin', signal: ctl.signal });
    const txt = await r.text();
    let data = null;
    try { data = txt ? JSON.parse(txt) : null; } catch (e) { /* not JSON */ }
    return { status: r.status, ok: r.ok, data, ra: r.headers.get('Retry-After') };
  } catch (e) {
    const x = new Error('network'); x.net = true; throw x;
  } finally { clearTimeout(tm); }
}

function solve(challenge, bits) {
  return new Promise((res, rej) => {
    const w = new Worker('/lapor/pow.js');
    const tm = setTimeout(() => { w.terminate(); rej(new Error('pow')); }, 540000);
    w.onmessage = (e) => {
      clearTimeout(tm); w.terminate();
      if (e.data && e.data.nonce != null) res(e.data.nonce); else rej(new Error('pow'));
    };
    w.onerror = () => { clearTimeout(tm); w.terminate(); rej(new Error('pow')); };
    w.postMessage({ challenge, bits });
  });
}

async function retryLater(it, e, ms) {
  it.attempts = (it.attempts || 0) + 1;
  it.state = 'waiting';
  it.last_error = e;
  it.next_at = Date.now() + (ms != null ? ms : Math.min(30000 * Math.pow(2, it.attempts - 1), 300000) * (0.8 + Math.random() * 0.4));
  await put('outbox', it);
}
function retryAfter(v) {
  let s = Number(v);
  if (!(s >= 0)) { const d = Date.parse(v); s = isNaN(d) ? 60 : (d - Date.now()) / 1000; }
  return Math.min(Math.max(s, 1), 3600) * 1000;
}

// A non-2xx answer: retry later, or keep the item for the user (never drop it).
async function failed(it, res) {
  const s = res.status, e = errOf(res);
  if (s === 429) {
    // Only this item waits: another item (an SOS above all) has its own limits on the server.
    const ms = retryAfter(res.ra);
    setTimeout(kick, ms + 500);
    await retryLater(it, e, ms);
    return 'next';
  }
  if (s === 408 || s >= 500) { await retryLater(it, e); return 'next'; }
  if (s === 422 && e.error === 'form_version_stale') {
    await loadConfig(true);
    const cur = fv(it.kind === 'lapor_diri_update' ? 'lapor_diri' : it.kind);
    if (it.kind === 'sos' && cur !== it.form_version) {
      // An SOS is not held for review: re-queue it at once under the current version (new key).
      const nu = Object.assign({}, it, { key: uuid(), form_version: cur, body: Object.assign({}, it.body, { form_version: cur }), state: 'waiting', next_at: 0 });
      await put('outbox', nu); await del('outbox', it.key);
      return 'next';
    }
    it.state = 'needs_review';
  } else if (s === 403 && e.error === 'proof_of_work' && CREATE[it.kind] && (it.pow_fail || 0) < 3) {
    it.pow_fail = (it.pow_fail || 0) + 1;
    await retryLater(it, e, 2000);
    setTimeout(kick, 2500);
    return 'next';
  } else it.state = 'failed';
  it.last_error = e;
  await put('outbox', it);
  notice(t('n_failed'));
  return 'next';
}

async function sendOne(it) {
  it.state = 'sending';
  await put('outbox', it);
  refreshOutbox();
  try {
    if (!it.sent) {
      const hd = { 'Idempotency-Key': it.key };
      if (CREATE[it.kind]) {
        const c = await req('GET', API + 'challenge?purpose=' + CREATE[it.kind]);
        if (!c.ok) return failed(it, c);
        if (!c.data || !c.data.challenge) { await retryLater(it, { error: 'bad_response' }); return 'next'; }
        hd['X-Proof-Of-Work'] = c.data.challenge + ':' + (await solve(c.data.challenge, c.data.bits));
      }
      const res = await req(it.method, it.path, it.body, hd);
      if (!res.ok) return failed(it, res);
      const d = res.data || {};
      if (CREATE[it.kind] && !d.receipt) { await retryLater(it, { error: 'bad_response' }); return 'next'; }
      it.sent = true;
      if (CREATE[it.kind]) it.receipt = d.receipt;
      it.last_error = null;
      await put('outbox', it);
      await afterSent(it, d);
    }
    if (it.kind === 'report' && it.photos && it.photos.length) {
      const r = await sendPhotos(it);
      if (r) return r;
    }
    if ((it.photo_err || []).some(Boolean)) {
      it.state = 'failed'; it.last_error = { error: 'photos' };
      await put('outbox', it);
      notice(t('n_failed'));
    } else await del('outbox', it.key);
    return 'next';
  } catch (e) {
    await retryLater(it, { error: e && e.net ? 'network' : e && e.message === 'pow' ? 'pow' : 'internal' });
    return e && e.net ? 'stop' : 'next';
  }
}

async function afterSent(it, d) {
  if (CREATE[it.kind]) {
    const rec = { receipt: d.receipt, kind: it.kind, created_at: it.created_at, received_at: d.received_at || new Date().toISOString() };
    if (it.kind === 'lapor_diri') { rec.date_of_birth = it.body.date_of_birth; rec.body = it.body; }
    await put('receipts', rec);
    notice(fmt('n_sent', kindName(it.kind), d.receipt), true);
  } else {
    const rec = it.receipt && (await get('receipts', it.receipt));
    if (rec) {
      if (it.kind === 'lapor_diri_update') { rec.body = it.body; rec.date_of_birth = it.body.date_of_birth; }
      if (it.kind === 'check_in' || it.kind === 'lapor_diri_update') rec.last_check_in = d.last_check_in || new Date().toISOString();
      if (it.kind === 'close') rec.closed = true;
      await put('receipts', rec);
    }
    notice(fmt('n_done', kindName(it.kind)));
  }
  renderReceipts();
}

// Photos: each one is marked done as it goes, so a crash resumes with the rest.
async function sendPhotos(it) {
  it.photo_done = it.photo_done || []; it.photo_prep = it.photo_prep || []; it.photo_err = it.photo_err || [];
  for (let i = 0; i < it.photos.length; i++) {
    if (it.photo_done[i] || it.photo_err[i]) continue;
    if (!it.keep_location && !it.photo_prep[i]) {
      // Stored back before sending, so a retry sends the very same bytes under the same key.
      it.photos[i] = await shrink(it.photos[i]);
      it.photo_prep[i] = true;
      await put('outbox', it);
    }
    const b = it.photos[i];
    const res = await req('POST', API + 'reports/' + encodeURIComponent(it.receipt) + '/photos', b, {
      'Content-Type': await imgType(b), 'Idempotency-Key': it.key + '-photo-' + i,
      'X-Keep-Location': it.keep_location ? 'true' : 'false'
    }, 180000);
    if (res.ok) it.photo_done[i] = true;
    else if (res.status === 408 || res.status === 429 || res.status >= 500) return failed(it, res);
    else it.photo_err[i] = errOf(res);
    await put('outbox', it);
  }
  return null;
}

async function imgType(b) {
  try {
    const a = new Uint8Array(await new Response(b.slice(0, 12)).arrayBuffer());
    if (a[0] === 0xff && a[1] === 0xd8) return 'image/jpeg';
    if (a[0] === 0x89 && a[1] === 0x50 && a[2] === 0x4e && a[3] === 0x47) return 'image/png';
    if (a[0] === 0x52 && a[1] === 0x49 && a[8] === 0x57 && a[9] === 0x45 && a[10] === 0x42 && a[11] === 0x50) return 'image/webp';
  } catch (e) { /* fall through */ }
  return b.type || 'application/octet-stream';
}
function imgEl(b) {
  return new Promise((res, rej) => {
    const u = URL.createObjectURL(b), i = new Image();
    i.onload = () => { URL.revokeObjectURL(u); res(i); };
    i.onerror = () => { URL.revokeObjectURL(u); rej(new Error('decode')); };
    i.src = u;
  });
}
// Large photos (or odd formats) are re-encoded as JPEG, at most 1600 px: this also drops EXIF.
async function shrink(b) {
  try {
    const type = await imgType(b);
    const img = await (self.createImageBitmap ? createImageBitmap(b, { imageOrientation: 'from-image' }).catch(() => imgEl(b)) : imgEl(b));
    const w = img.width, ht = img.height, s = Math.min(1, 1600 / Math.max(w, ht));
    if (s === 1 && b.size <= 1048576 && /^image\/(jpeg|png|webp)$/.test(type)) return b;
    const c = document.createElement('canvas');
    c.width = Math.round(w * s); c.height = Math.round(ht * s);
    const x = c.getContext('2d');
    x.fillStyle = '#fff'; x.fillRect(0, 0, c.width, c.height);
    x.drawImage(img, 0, 0, c.width, c.height);
    if (img.close) img.close();
    const out = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.8));
    return out && out.size ? out : b;
  } catch (e) { return b; }
}

// ---- Outbox view ----
function summary(it) {
  const b = it.body || {};
  const s = b.what || b.full_name || b.message || b.text || '';
  return s.length > 70 ? s.slice(0, 70) + '…' : s;
}
async function refreshOutbox() {
  let items;
  try { items = await all('outbox'); } catch (e) { return; }
  items.sort(order);
  $('outbox-count').textContent = String(items.length);
  $('go-outbox').setAttribute('aria-label', t('outbox_short') + ': ' + items.length);
  $('outbox-empty').hidden = items.length > 0;
  const ul = $('outbox-list');
  ul.textContent = '';
  for (const it of items) {
    const li = h('li', { 'data-key': it.key, 'data-state': it.state }, [
      h('div', null, [h('strong', { text: kindName(it.kind) }), ' ', h('span', { cls: 'state', text: t('st_' + it.state) })]),
      h('div', { cls: 'note', text: fmtTime(it.created_at) + (it.receipt ? ' · ' + it.receipt : '') })]);
    const s = summary(it);
    if (s) li.append(h('div', { text: s }));
    const n = (it.photos || []).length;
    if (n) li.append(h('div', { cls: 'note', text: fmt('photos_progress', (it.photo_done || []).filter(Boolean).length, n) }));
    if (it.last_error && it.state !== 'sending') {
      li.append(h('p', { cls: it.state === 'waiting' ? 'note' : 'err', text: errText(it.last_error) }));
      (it.photo_err || []).forEach((pe, i) => { if (pe) li.append(h('p', { cls: 'err', text: fmt('photo_n', i + 1) + ': ' + errText(pe) })); });
      if (it.state === 'waiting' && it.next_at > Date.now()) li.append(h('p', { cls: 'note', text: fmt('next_try', fmtTime(it.next_at)) }));
    }
    const bad = it.state === 'needs_review' || it.state === 'failed';
    if (bad && !it.sent && /^(report|lapor_diri|lapor_diri_update)$/.test(it.kind)) li.append(h('button', { type: 'button', 'data-act': 'open', cls: 'secondary', text: t('review') }));
    if (it.state !== 'sending') li.append(h('button', { type: 'button', 'data-act': 'retry', cls: 'secondary', text: t(bad ? 'retry' : 'send_now') }));
    if (it.state !== 'sending') li.append(h('button', { type: 'button', 'data-act': 'del', cls: 'secondary', text: t('del') }));
    ul.append(li);
  }
}
async function outboxClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const it = await get('outbox', b.closest('li').dataset.key);
  if (!it) return;
  const act = b.dataset.act;
  if (act === 'del') {
    if (!confirm(t('confirm_del'))) return;
    await del('outbox', it.key);
  } else if (act === 'retry') {
    Object.assign(it, { state: 'waiting', next_at: 0, attempts: 0, pow_fail: 0 });
    if (it.photo_err) it.photo_err = it.photo_err.map(() => null);
    await put('outbox', it);
    kick(true);
  } else if (act === 'open') openItem(it);
  refreshOutbox();
}

// ---- Static lists, language ----
const DEST = ['MY', 'SG', 'SA', 'KH', 'HK', 'TW', 'KR', 'JP', 'AE', 'QA'];
const opt = (v, text) => h('option', { value: v, text });
function fillDest(p) {
  const sel = $(p + '-destination'), cur = sel.value;
  sel.textContent = '';
  sel.append(opt('', t('dest_none')));
  DEST.forEach((c) => sel.append(opt(c, cname(c))));
  sel.append(opt('other', t('dest_other')));
  sel.value = cur;
}
function destChanged(p) {
  const other = $(p + '-destination').value === 'other';
  $(p + '-destination-other').hidden = !other;
  document.querySelector('label[for="' + p + '-destination-other"]').hidden = !other;
}
function readDest(p) {
  const s = $(p + '-destination').value;
  if (s !== 'other') return s;
  const o = val(p + '-destination-other').toUpperCase();
  return /^[A-Z]{2}$/.test(o) ? o : null;
}
function setDest(p, c) {
  c = c || '';
  $(p + '-destination').value = !c || DEST.indexOf(c) >= 0 ? c : 'other';
  $(p + '-destination-other').value = !c || DEST.indexOf(c) >= 0 ? '' : c;
  destChanged(p);
}
function fillRegions() {
  const sel = $('report-region'), cur = sel.value || sel.dataset.want || '';
  sel.textContent = '';
  sel.append(opt('', t(regions.length ? 'region_none' : 'region_unloaded')));
  const byName = (a, b) => String(a.name).localeCompare(String(b.name));
  regions.filter((r) => r.kind === 'kecamatan').sort(byName).forEach((k) => {
    const g = h('optgroup', { label: 'Kec. ' + k.name }, opt(k.code, k.name + ' (' + t('region_whole') + ')'));
    regions.filter((r) => r.kind === 'desa' && r.parent === k.code).sort(byName).forEach((d) => g.append(opt(d.code, d.name)));
    sel.append(g);
  });
  if (cur && !Array.from(sel.options).some((o) => o.value === cur)) sel.append(opt(cur, cur));
  sel.value = cur;
  delete sel.dataset.want;
}
function renderHotlines() {
  const server = Array.isArray(cfg.hotlines) && cfg.hotlines.filter((x) => x && x.name).length ? cfg.hotlines : null;
  const list = server || t('hot').map((x) => ({ name: x[0], number: x[1] }));
  document.querySelectorAll('.hotlines').forEach((ul) => {
    ul.textContent = '';
    list.forEach((x) => ul.append(h('li', null, x.number
      ? h('a', { href: 'tel:' + String(x.number).replace(/[^0-9+*#]/g, '') }, [h('span', { text: x.name }), h('b', { text: x.number })])
      : h('span', { text: x.name }))));
  });
}
function renderAwareness() {
  [['aw-signs', 'aw_signs'], ['aw-steps', 'aw_steps']].forEach(([id, k]) => {
    $(id).textContent = '';
    t(k).forEach((s) => $(id).append(h('li', { text: s })));
  });
}
function fillPurpose() {
  const sel = $('ld-purpose'), cur = sel.value;
  sel.textContent = '';
  ['', 'work', 'study', 'visit', 'umrah', 'other'].forEach((p) => sel.append(opt(p, t('p_' + p))));
  sel.value = cur;
}
function online() {
  const on = navigator.onLine !== false, el = $('online-state');
  el.dataset.state = on ? 'online' : 'offline';
  el.textContent = t(on ? 'online' : 'offline');
}
function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-t]').forEach((e) => { e.textContent = t(e.dataset.t); });
  $('lang').textContent = t('lang_btn');
  $('lang').setAttribute('aria-label', t('lang_label'));
  fillDest('report'); fillDest('ld'); fillPurpose(); fillRegions(); renderHotlines(); renderAwareness(); online();
  renderLoc(); renderPhotos(); renderStatus(); renderFamily(); ldBanner();
  if (db) { refreshOutbox(); renderReceipts(); }
}

// ---- Routing ----
const VIEWS = ['lapor', 'lapor-diri', 'sos', 'status', 'keluarga', 'waspada', 'kotak-keluar'];
function route() {
  const v0 = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  const v = VIEWS.indexOf(v0) >= 0 ? v0 : 'home';
  document.querySelectorAll('main > section').forEach((s) => { s.hidden = s.dataset.view !== v; });
  document.body.dataset.view = v;
  window.scrollTo(0, 0);
  const h1 = document.querySelector('section[data-view="' + v + '"] h1');
  if (h1) h1.focus({ preventScroll: true });
  if (db) { refreshOutbox(); renderReceipts(); }
}

// ---- Report form ----
let rLoc = null, rPhotos = [], rEdit = null;
function renderLoc() {
  const info = $('report-loc-info');
  info.hidden = !rLoc;
  $('report-loc-clear').hidden = !rLoc;
  if (rLoc) info.textContent = rLoc.wait ? t('loc_wait') : rLoc.fail ? t('loc_fail') : fmt('loc_got', Math.round(rLoc.acc || 0));
}
function getPos(ms) {
  return new Promise((res) => {
    if (!navigator.geolocation) { res(null); return; }
    const tm = setTimeout(() => res(null), ms + 1500);
    navigator.geolocation.getCurrentPosition((p) => { clearTimeout(tm); res(p.coords); },
      () => { clearTimeout(tm); res(null); }, { enableHighAccuracy: true, timeout: ms, maximumAge: 120000 });
  });
}
async function reportLoc() {
  rLoc = { wait: 1 }; renderLoc();
  const c = await getPos(20000);
  rLoc = c ? { lat: c.latitude, lon: c.longitude, acc: c.accuracy } : { fail: 1 };
  renderLoc();
}
function renderPhotos() {
  const ul = $('report-photo-list');
  ul.querySelectorAll('img').forEach((i) => URL.revokeObjectURL(i.src));
  ul.textContent = '';
  rPhotos.forEach((b, i) => ul.append(h('li', null, [
    h('img', { src: URL.createObjectURL(b), alt: fmt('photo_n', i + 1) }),
    h('button', { type: 'button', 'data-i': String(i), cls: 'secondary', text: t('remove') })])));
}
function addFiles(e) {
  const F = formErr('report-error'), max = lim('photos', 5);
  for (const f of Array.from(e.target.files || [])) {
    if (rPhotos.length >= max) { F(null, fmt('e_photos_max', max)); break; }
    if (f.type && !/^image\//.test(f.type)) { F(null, t('e_photo_type')); continue; }
    rPhotos.push(f);
  }
  e.target.value = '';
  renderPhotos();
}
function anonChanged() { $('report-contact').hidden = $('report-anonymous').checked; }
function setV(id, v) { $(id).value = v == null ? '' : v; }
function fillReport(b) {
  setV('report-what', b.what);
  $('report-region').dataset.want = b.region_code || '';
  $('report-region').value = '';
  fillRegions();
  rLoc = b.location ? { lat: b.location.lat, lon: b.location.lon, acc: 0 } : null;
  $('report-loc-exact').checked = !!(b.location && b.location.exact);
  setV('report-date', b.happened_on);
  const r = b.recruiter || {}, c = b.contact || {};
  ['name', 'phone', 'company', 'social'].forEach((k) => setV('report-recruiter-' + k, r[k]));
  setDest('report', b.destination);
  $('report-minor').checked = !!b.minor_involved;
  setV('report-people', b.people_count);
  $('report-anonymous').checked = b.anonymous !== false;
  ['name', 'phone', 'email'].forEach((k) => setV('report-contact-' + k, c[k]));
  anonChanged(); renderLoc();
}
function pick(ids, prefix) {
  const o = {};
  ids.forEach((k) => { const v = val(prefix + k); if (v) o[k] = v; });
  return o;
}
// The server refuses text that looks like markup; say so before queueing.
function noMarkup(form, F) {
  for (const el of $(form).querySelectorAll('textarea,input:not([type]),input[type=tel],input[type=email]')) {
    if (/<[a-z/!]|javascript:|on(error|load)=/i.test(el.value)) return F(el.id, t('e_markup'));
  }
  return true;
}
async function submitReport(e) {
  e.preventDefault();
  const F = formErr('report-error'), maxT = lim('text', 4000);
  if (!noMarkup('report-form', F)) return false;
  const what = val('report-what');
  if (what.length < 10 || what.length > maxT) return F('report-what', fmt('e_what', maxT));
  const body = { form_version: fv('report'), what };
  const region = $('report-region').value;
  if (region) body.region_code = region;
  if (rLoc && rLoc.lat != null) {
    const ex = $('report-loc-exact').checked, r2 = (x) => Math.round(x * 100) / 100;
    // Not exact: rounded on the phone already (the server blurs it to the same 0.01° grid too).
    body.location = { lat: ex ? rLoc.lat : r2(rLoc.lat), lon: ex ? rLoc.lon : r2(rLoc.lon), exact: ex };
  }
  const d = val('report-date');
  if (d) {
    if (!isDate(d)) return F('report-date', t('e_date'));
    if (d > today()) return F('report-date', t('e_future'));
    body.happened_on = d;
  }
  const rec = pick(['name', 'phone', 'company', 'social'], 'report-recruiter-');
  if (rec.phone && !PHONE.test(rec.phone)) return F('report-recruiter-phone', t('e_phone'));
  if (Object.keys(rec).length) body.recruiter = rec;
  const dest = readDest('report');
  if (dest === null) return F('report-destination-other', t('e_country'));
  if (dest) body.destination = dest;
  if ($('report-minor').checked) body.minor_involved = true;
  const pc = val('report-people');
  if (pc) {
    const n = Number(pc);
    if (!Number.isInteger(n) || n < 1 || n > 10000) return F('report-people', t('e_people'));
    body.people_count = n;
  }
  body.anonymous = $('report-anonymous').checked;
  if (!body.anonymous) {
    const c = pick(['name', 'phone', 'email'], 'report-contact-');
    if (!c.phone && !c.email) return F('report-contact-phone', t('e_contact'));
    if (c.phone && !PHONE.test(c.phone)) return F('report-contact-phone', t('e_phone'));
    if (c.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(c.email)) return F('report-contact-email', t('e_email'));
    body.contact = c;
  }
  const keep = $('report-keep-location').checked, maxB = lim('photo_bytes', 5242880);
  if (keep) for (let i = 0; i < rPhotos.length; i++) if (rPhotos[i].size > maxB) return F('report-keep-location', fmt('e_photo_big', i + 1));
  try {
    await enqueue('report', 'POST', API + 'reports', body, { photos: rPhotos.slice(0, lim('photos', 5)), keep_location: keep, photo_done: [], photo_prep: [], photo_err: [] });
    if (rEdit) await del('outbox', rEdit);
  } catch (x) { return F(null, t('e_storage')); }
  resetReport();
  notice(t('n_saved'));
  window.scrollTo(0, 0);
  return false;
}
function resetReport() {
  $('report-form').reset();
  rLoc = null; rPhotos = []; rEdit = null;
  $('report-editing').hidden = true;
  setDest('report', ''); anonChanged(); renderLoc(); renderPhotos(); refreshOutbox();
}

// ---- Lapor diri ----
let ldEdit = { key: null, receipt: null };
const LDF = [['full-name', 'full_name'], ['dob', 'date_of_birth'], ['passport', 'passport_number'], ['phone', 'phone'],
  ['address', 'address_abroad'], ['purpose', 'purpose'], ['departure', 'departure_date'], ['return', 'return_date'], ['agency', 'placement_agency']];
function fillLd(b) {
  LDF.forEach(([id, k]) => setV('ld-' + id, b[k]));
  setDest('ld', b.destination);
  const em = b.employer || {}, ec = b.emergency_contact || {};
  ['name', 'address', 'phone'].forEach((k) => setV('ld-employer-' + k, em[k]));
  setV('ld-ec-name', ec.name); setV('ld-ec-relation', ec.relation); setV('ld-ec-phone', ec.phone);
}
function ldBanner() {
  $('ld-editing').hidden = !ldEdit.key && !ldEdit.receipt;
  $('ld-editing-text').textContent = ldEdit.receipt ? fmt('ld_updating', ldEdit.receipt) : t('editing');
}
function ldReset() {
  $('ld-form').reset();
  ldEdit = { key: null, receipt: null };
  setDest('ld', ''); ldBanner();
}
async function submitLd(e) {
  e.preventDefault();
  const F = formErr('ld-error');
  if (!noMarkup('ld-form', F)) return false;
  const req1 = (id) => { const v = val(id); if (!v) F(id, fmt('e_required', labelOf(id))); return v; };
  const name = req1('ld-full-name');
  if (!name) return false;
  const dob = val('ld-dob');
  if (!isDate(dob) || dob >= today()) return F('ld-dob', dob ? t('e_date') : fmt('e_required', labelOf('ld-dob')));
  const body = { form_version: fv('lapor_diri'), full_name: name, date_of_birth: dob };
  const pp = val('ld-passport').toUpperCase().replace(/\s/g, '');
  if (pp && !/^[A-Z0-9]{6,20}$/.test(pp)) return F('ld-passport', t('e_passport'));
  if (pp) body.passport_number = pp;
  const ph = val('ld-phone');
  if (ph && !PHONE.test(ph)) return F('ld-phone', t('e_phone'));
  if (ph) body.phone = ph;
  const dest = readDest('ld');
  if (dest === null) return F('ld-destination-other', t('e_country'));
  if (!dest) return F('ld-destination', fmt('e_required', labelOf('ld-destination')));
  body.destination = dest;
  if (val('ld-address')) body.address_abroad = val('ld-address');
  const em = pick(['name', 'address', 'phone'], 'ld-employer-');
  if (em.phone && !PHONE.test(em.phone)) return F('ld-employer-phone', t('e_phone'));
  if (Object.keys(em).length) body.employer = em;
  if ($('ld-purpose').value) body.purpose = $('ld-purpose').value;
  const dep = val('ld-departure');
  if (!isDate(dep)) return F('ld-departure', dep ? t('e_date') : fmt('e_required', labelOf('ld-departure')));
  body.departure_date = dep;
  const ret = val('ld-return');
  if (ret && (!isDate(ret) || ret < dep)) return F('ld-return', t(isDate(ret) ? 'e_return' : 'e_date'));
  if (ret) body.return_date = ret;
  if (val('ld-agency')) body.placement_agency = val('ld-agency');
  const ecn = req1('ld-ec-name');
  if (!ecn) return false;
  const ecp = req1('ld-ec-phone');
  if (!ecp) return false;
  if (!PHONE.test(ecp)) return F('ld-ec-phone', t('e_phone'));
  body.emergency_contact = { name: ecn, phone: ecp };
  if (val('ld-ec-relation')) body.emergency_contact.relation = val('ld-ec-relation');
  try {
    if (ldEdit.receipt) await enqueue('lapor_diri_update', 'PUT', API + 'lapor-diri/' + ldEdit.receipt, body, { receipt: ldEdit.receipt });
    else await enqueue('lapor_diri', 'POST', API + 'lapor-diri', body);
    if (ldEdit.key) await del('outbox', ldEdit.key);
  } catch (x) { return F(null, t('e_storage')); }
  ldReset();
  notice(t('n_saved'));
  window.scrollTo(0, 0);
  return false;
}
function ldTarget() {
  const F = formErr('ld-m-error');
  const r = normRc(val('ld-m-receipt')), dob = val('ld-m-dob');
  if (!r || r.slice(0, 3) !== 'LD-') return F('ld-m-receipt', t('e_receipt_ld'));
  if (!isDate(dob)) return F('ld-m-dob', fmt('e_required', labelOf('ld-m-dob')));
  $('ld-m-receipt').value = r;
  return { r, dob, F };
}
async function ldAction(kind) {
  const m = ldTarget();
  if (!m || !noMarkup('ld-m-form', m.F)) return;
  const path = API + 'lapor-diri/' + m.r;
  try {
    if (kind === 'check_in') {
      const msg = val('ld-m-message');
      if (msg.length > 500) return m.F('ld-m-message', fmt('e_text', 500));
      const body = { date_of_birth: m.dob };
      if (msg) body.message = msg;
      await enqueue('check_in', 'POST', path + '/check-in', body, { receipt: m.r });
      setV('ld-m-message', '');
    } else if (kind === 'close') {
      const back = val('ld-m-returned') || today();
      if (!isDate(back)) return m.F('ld-m-returned', t('e_date'));
      if (!confirm(t('confirm_close'))) return;
      await enqueue('close', 'POST', path + '/close', { date_of_birth: m.dob, returned_on: back }, { receipt: m.r });
    } else {
      const held = await get('receipts', m.r);
      ldReset();
      if (held && held.body) fillLd(held.body);
      setV('ld-dob', m.dob);
      ldEdit = { key: null, receipt: m.r };
      ldBanner();
      $('ld-full-name').focus();
      $('ld-editing').scrollIntoView();
      return;
    }
  } catch (x) { m.F(null, t('e_storage')); return; }
  notice(t('n_saved'));
}

// ---- Re-opening a saved item into its form ----
function openItem(it) {
  if (it.kind === 'report') {
    resetReport();
    fillReport(it.body);
    rPhotos = (it.photos || []).slice();
    $('report-keep-location').checked = !!it.keep_location;
    rEdit = it.key;
    $('report-editing').hidden = false;
    renderPhotos();
    location.hash = '#/lapor';
  } else {
    ldReset();
    fillLd(it.body);
    ldEdit = { key: it.key, receipt: it.kind === 'lapor_diri_update' ? it.receipt : null };
    ldBanner();
    location.hash = '#/lapor-diri';
  }
}

// ---- SOS ----
async function heldLd() {
  const list = (await all('receipts')).filter((r) => r.kind === 'lapor_diri' && !r.closed).sort(byTime);
  return list.length ? list[list.length - 1] : null;
}
async function sendSos() {
  const btn = $('sos-send'), st = $('sos-status');
  if (btn.disabled) return;
  btn.disabled = true;
  setTimeout(() => { btn.disabled = false; }, 3000);
  const body = { form_version: fv('sos') };
  // Nothing in an SOS may be refused: a "<" (read as markup by the server) becomes "‹".
  const msg = val('sos-message').replace(/</g, '\u2039').slice(0, 500), ph = val('sos-phone').replace(/[^0-9+ ().-]/g, '').slice(0, 30);
  if (msg) body.message = msg;
  if (ph) body.phone = ph;
  const wantLoc = $('sos-use-loc').checked && !!navigator.geolocation;
  let it;
  try {
    const ld = await heldLd();
    if (ld) body.lapor_diri_receipt = ld.receipt;
    // Saved at once; held back a few seconds so the location can still be added.
    it = await enqueue('sos', 'POST', API + 'sos', body, { next_at: wantLoc ? Date.now() + 12000 : 0 });
  } catch (x) {
    st.hidden = false; st.className = 'banner bad'; st.textContent = t('e_storage');
    return;
  }
  setV('sos-message', '');
  st.hidden = false; st.className = 'banner';
  st.textContent = t(wantLoc ? 'sos_locating' : navigator.onLine === false ? 'sos_offline' : 'sos_saved');
  if (wantLoc) {
    const c = await getPos(10000);
    try {
      const cur = await get('outbox', it.key);
      // Only while nothing has gone out: the body must stay identical across retries.
      if (cur && cur.state === 'waiting' && !cur.sent && !cur.attempts) {
        if (c) cur.body.location = { lat: c.latitude, lon: c.longitude, accuracy_m: Math.round(c.accuracy || 0) };
        cur.next_at = 0;
        await put('outbox', cur);
      }
    } catch (x) { /* sent anyway */ }
    st.textContent = t(navigator.onLine === false ? 'sos_offline' : 'sos_saved');
    kick();
  }
}

// ---- Status and receipts ----
let lastStatus = null, lastFamily = null;
async function checkStatus(e) {
  if (e) e.preventDefault();
  const r = normRc(val('status-receipt'));
  if (!r) { lastStatus = { err: { message: T.id.e_receipt, message_en: T.en.e_receipt } }; renderStatus(); return; }
  $('status-receipt').value = r;
  $('status-result').className = 'banner';
  $('status-result').textContent = t('loading');
  try {
    const res = await req('GET', API + 'reports/' + encodeURIComponent(r));
    lastStatus = res.ok && res.data ? { ok: res.data } : { err: errOf(res) };
  } catch (x) { lastStatus = { err: { error: 'offline_lookup' } }; }
  renderStatus();
}
function dl(rows) {
  const d = h('dl');
  rows.forEach(([k, v]) => { if (v != null && v !== '') d.append(h('dt', { text: t(k) }), h('dd', { text: String(v) })); });
  return d;
}
function renderStatus() {
  const out = $('status-result');
  out.textContent = '';
  $('status-add').hidden = true;
  if (!lastStatus) { out.className = ''; return; }
  if (lastStatus.err) { out.className = 'banner bad'; out.textContent = errText(lastStatus.err); return; }
  const d = lastStatus.ok, st = d.status_text || {};
  out.className = 'banner';
  out.append(h('p', { cls: 'rc', text: d.receipt }), h('p', null, h('strong', { text: st[lang] || st.id || d.status })),
    dl([['r_kind', d.kind ? kindName(d.kind) : ''], ['r_received', d.received_at && fmtTime(d.received_at)],
      ['r_updated', d.updated_at && fmtTime(d.updated_at)], ['r_additions', d.additions], ['r_photos', d.photos]]));
  $('status-add').hidden = d.kind === 'lapor_diri';
}
async function addInfo(e) {
  e.preventDefault();
  const F = formErr('status-add-error'), text = val('status-add-text');
  if (!noMarkup('status-add', F)) return false;
  if (!text) return F('status-add-text', fmt('e_required', labelOf('status-add-text')));
  if (text.length > lim('text', 4000)) return F('status-add-text', fmt('e_text', lim('text', 4000)));
  const r = lastStatus && lastStatus.ok && lastStatus.ok.receipt;
  if (!r) return false;
  try { await enqueue('addition', 'POST', API + 'reports/' + encodeURIComponent(r) + '/additions', { text }, { receipt: r }); } catch (x) { return F(null, t('e_storage')); }
  setV('status-add-text', '');
  notice(t('n_saved'));
  return false;
}
async function renderReceipts() {
  let list;
  try { list = (await all('receipts')).sort(byTime).reverse(); } catch (e) { return; }
  const ul = $('receipts'), held = $('ld-held');
  ul.textContent = ''; held.textContent = '';
  $('receipts-empty').hidden = list.length > 0;
  list.forEach((r) => {
    const ld = r.kind === 'lapor_diri';
    ul.append(h('li', { 'data-receipt': r.receipt }, [
      h('div', { cls: 'rc', text: r.receipt }),
      h('div', { cls: 'note', text: kindName(r.kind) + ' · ' + fmtTime(r.created_at) + (r.closed ? ' · ' + t('fam_closed') : '') }),
      h('button', { type: 'button', 'data-act': 'check', cls: 'secondary', text: t('check') }),
      ld ? h('button', { type: 'button', 'data-act': 'ld', cls: 'secondary', text: t('manage') }) : null,
      h('button', { type: 'button', 'data-act': 'forget', cls: 'secondary', text: t('forget') })]));
    if (ld) held.append(h('li', null, h('button', { type: 'button', 'data-receipt': r.receipt, cls: 'secondary code', text: r.receipt })));
  });
  const cur = await heldLd().catch(() => null);
  $('sos-ld').hidden = !cur;
  if (cur) $('sos-ld').textContent = fmt('sos_ld', cur.receipt);
}
async function useHeld(r) {
  const rec = await get('receipts', r);
  if (!rec) return;
  setV('ld-m-receipt', rec.receipt);
  setV('ld-m-dob', rec.date_of_birth);
}
async function receiptsClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const r = b.closest('li').dataset.receipt;
  if (b.dataset.act === 'check') { setV('status-receipt', r); checkStatus(); }
  else if (b.dataset.act === 'ld') { await useHeld(r); location.hash = '#/lapor-diri'; $('ld-m-form').scrollIntoView(); }
  else if (confirm(t('confirm_forget'))) { await del('receipts', r); renderReceipts(); }
}

// ---- Family lookup ----
async function family(e) {
  e.preventDefault();
  const F = formErr('family-result');
  const r = normRc(val('family-receipt')), dob = val('family-dob');
  lastFamily = null;
  $('family-result').className = 'banner bad';
  if (!r || r.slice(0, 3) !== 'LD-') return F('family-receipt', t('e_receipt_ld'));
  if (!isDate(dob)) return F('family-dob', fmt('e_required', labelOf('family-dob')));
  $('family-receipt').value = r;
  $('family-result').className = 'banner';
  $('family-result').textContent = t('loading');
  try {
    // A look-up changes nothing; the key is sent only so any POST middleware is satisfied.
    const res = await req('POST', API + 'lapor-diri/lookup', { receipt: r, date_of_birth: dob }, { 'Idempotency-Key': uuid() });
    lastFamily = res.ok && res.data ? { ok: res.data } : { err: errOf(res) };
  } catch (x) { lastFamily = { err: { error: 'offline_lookup' } }; }
  renderFamily();
  return false;
}
function renderFamily() {
  const out = $('family-result');
  if (!lastFamily) return;
  out.textContent = '';
  if (lastFamily.err) { out.className = 'banner bad'; out.textContent = errText(lastFamily.err); return; }
  const d = lastFamily.ok, recent = !!d.checked_in_recently;
  out.className = 'banner ' + (d.status === 'closed' || recent ? '' : 'warn');
  out.append(h('p', null, h('strong', { text: t(d.status === 'closed' ? 'fam_closed' : 'fam_active') })),
    dl([['fam_dest', d.destination ? cname(d.destination) : ''], ['fam_last', d.last_check_in ? fmtTime(d.last_check_in) : t('never')]]));
  if (d.status !== 'closed') out.append(h('p', { text: t(recent ? 'fam_recent' : 'fam_not_recent') }));
}

// ---- Start ----
async function init() {
  applyLang();
  route();
  const on = (id, ev, fn) => $(id).addEventListener(ev, fn);
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => { online(); kick(true); });
  window.addEventListener('offline', online);
  on('lang', 'click', () => { lang = lang === 'id' ? 'en' : 'id'; L.set('waspada.lang', lang); applyLang(); });
  on('notice-close', 'click', () => { $('notice').hidden = true; });
  on('report-form', 'submit', submitReport);
  on('report-anonymous', 'change', anonChanged);
  on('report-loc-btn', 'click', reportLoc);
  on('report-loc-clear', 'click', () => { rLoc = null; renderLoc(); });
  on('report-photos', 'change', addFiles);
  on('report-camera', 'change', addFiles);
  on('report-photo-list', 'click', (e) => {
    const b = e.target.closest('button[data-i]');
    if (b) { rPhotos.splice(Number(b.dataset.i), 1); renderPhotos(); }
  });
  ['report', 'ld'].forEach((p) => on(p + '-destination', 'change', () => destChanged(p)));
  on('ld-form', 'submit', submitLd);
  on('ld-cancel-edit', 'click', ldReset);
  on('ld-checkin', 'click', () => ldAction('check_in'));
  on('ld-close', 'click', () => ldAction('close'));
  on('ld-update', 'click', () => ldAction('update'));
  on('ld-m-form', 'submit', (e) => e.preventDefault());
  on('ld-held', 'click', (e) => { const b = e.target.closest('button[data-receipt]'); if (b) useHeld(b.dataset.receipt); });
  on('sos-send', 'click', sendSos);
  on('status-form', 'submit', checkStatus);
  on('status-add', 'submit', addInfo);
  on('receipts', 'click', receiptsClick);
  on('family-form', 'submit', family);
  on('outbox-list', 'click', outboxClick);
  on('outbox-send', 'click', () => kick(true));
  let deferred = null;
  window.addEventListener('beforeinstallprompt', (e) => { e.preventDefault(); deferred = e; $('install').hidden = false; });
  on('install', 'click', () => { if (deferred) deferred.prompt(); deferred = null; $('install').hidden = true; });
  anonChanged();
  ['report-date', 'ld-dob', 'ld-m-dob', 'ld-m-returned', 'family-dob'].forEach((id) => { $(id).max = today(); });

  try { db = await openDb(); } catch (e) { notice(t('e_storage'), true); }
  await initDeviceKey();
  if (db) {
    // Items left "sending" by a crash are picked up again by the sender (same idempotency key).
    try {
      for (const it of await all('outbox')) if (it.state === 'sending') { it.state = 'waiting'; await put('outbox', it); }
    } catch (e) { /* ignore */ }
  }
  // The service worker is registered without waiting for it: on a slow connection fetching
  // sw.js costs a round trip, and the page is usable before it (it only matters for the next visit).
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/lapor/sw.js', { scope: '/lapor/' }).catch(() => { /* the app still works online */ });
  }
  if (db) { await refreshOutbox(); await renderReceipts(); }
  document.body.dataset.ready = '1';
  if (window.performance && performance.mark) performance.mark('waspada-ready');
  loadConfig();
  loadRegions();
  kick();
  setInterval(() => kick(), 30000);
}
init();
})();
