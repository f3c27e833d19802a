// A keyboard-wedge scanner types the MRZ lines with Enter between them and after the last one.
// In the check box, Enter submits when the text is complete (a NIK or number on one line, or
// an MRZ of 2 x 44 or 3 x 30 characters); otherwise it starts a new line.
(function () {
  var q = document.getElementById('q');
  if (!q) return;
  q.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' || e.shiftKey) return;
    var lines = q.value.split(/\r?\n/).map(function (l) { return l.replace(/\s+/g, ''); }).filter(Boolean);
    var mrz = lines.length > 0 && lines.join('').indexOf('<') >= 0;
    var complete = !mrz ? lines.length === 1
      : (lines.length === 2 && lines[0].length === 44 && lines[1].length === 44) ||
        (lines.length === 3 && lines.every(function (l) { return l.length === 30; }));
    if (complete) { e.preventDefault(); q.form.requestSubmit(); }
  });
})();
