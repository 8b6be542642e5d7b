/* onestop web client: keyboard helpers of the counter screen. No framework; htmx does the
   requests. Procedure picker: type → results; Down arrow walks them; Enter picks the first
   (never submits the intake); Escape closes the list; Alt+N returns to the search from
   anywhere. "Đủ tất cả" ticks every document. */
(function () {
  'use strict';

  var pickFirst = false;

  function pickerInput() { return document.querySelector('[data-picker-input]'); }
  function options() {
    var list = document.querySelector('[data-picker-results]');
    return list ? Array.prototype.slice.call(list.querySelectorAll('[data-picker-option]')) : [];
  }
  function clearResults() {
    var list = document.querySelector('[data-picker-results]');
    if (list) { list.innerHTML = ''; }
  }

  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (e.altKey && (e.key === 'n' || e.key === 'N') && pickerInput()) {
      e.preventDefault(); // Alt+N: back to the procedure search for the next applicant
      pickerInput().focus();
      return;
    }
    if (!(t instanceof Element)) { return; }
    if (t.matches('[data-picker-input]')) {
      var opts = options();
      if (e.key === 'ArrowDown' && opts.length) {
        e.preventDefault();
        opts[0].focus();
      } else if (e.key === 'Enter') {
        e.preventDefault(); // Enter in the search box picks a procedure, it does not submit
        if (!t.value.trim()) { return; }
        pickFirst = true;   // fresh results for exactly what is typed, then take the first
        htmx.trigger(t, 'search');
      } else if (e.key === 'Escape') {
        clearResults();
      }
    } else if (t.matches('[data-picker-option]')) {
      var list = options();
      var i = list.indexOf(t);
      if (e.key === 'ArrowDown' && i < list.length - 1) {
        e.preventDefault();
        list[i + 1].focus();
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        (i > 0 ? list[i - 1] : pickerInput()).focus();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        clearResults();
        pickerInput().focus();
      }
    }
  });

  document.addEventListener('htmx:afterSettle', function (e) {
    var target = e.detail && e.detail.target;
    if (!(target instanceof Element)) { return; }
    if (target.id === 'procedure-results' && pickFirst) {
      pickFirst = false;
      var first = options()[0];
      if (first) { first.click(); }
    } else if (target.id === 'procedure-slot') {
      var input = pickerInput();
      if (input) { input.value = ''; }
      var form = target.closest('form');
      if (!form) { return; }
      var name = form.querySelector('[name=applicant_name]');
      var doc = form.querySelector('[name=documents]');
      var next = name && !name.value ? name : (doc || name);
      if (next) { next.focus(); }
    }
  });

  // A server error or a lost connection is not swapped into the page (what was typed stays);
  // say so above the page instead.
  function problem(text) {
    var box = document.getElementById('page-problem');
    if (!box) {
      box = document.createElement('div');
      box.id = 'page-problem';
      box.className = 'alert alert-error page-problem';
      box.setAttribute('role', 'alert');
      var main = document.getElementById('main');
      if (main) { main.insertBefore(box, main.firstChild); }
    }
    box.textContent = text;
  }
  document.addEventListener('htmx:responseError', function (e) {
    if (e.detail && e.detail.xhr && e.detail.xhr.status >= 500) {
      problem('Lỗi hệ thống (mã yêu cầu ' + (e.detail.xhr.getResponseHeader('X-Request-ID') || '?') +
        '): chưa có gì thay đổi. Hãy thử lại; nếu vẫn lỗi, báo quản trị mã yêu cầu này.');
    }
  });
  document.addEventListener('htmx:sendError', function () {
    problem('Không kết nối được máy chủ: chưa có gì được gửi. Kiểm tra mạng rồi thử lại.');
  });
  document.addEventListener('htmx:beforeRequest', function () {
    var box = document.getElementById('page-problem');
    if (box) { box.remove(); }
  });

  document.addEventListener('click', function (e) {
    var button = e.target instanceof Element ? e.target.closest('[data-check-all]') : null;
    if (!button) { return; }
    var form = button.closest('form');
    var boxes = form ? Array.prototype.slice.call(form.querySelectorAll('input[name=documents]')) : [];
    var all = boxes.every(function (box) { return box.checked; });
    boxes.forEach(function (box) { box.checked = !all; });
  });

  // A file field shows the chosen file's name in Vietnamese words, not the browser's own.
  document.addEventListener('change', function (e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement) || !input.matches('[data-file-input]')) { return; }
    var label = input.closest('form').querySelector('[data-file-chosen]');
    if (label) {
      label.textContent = input.files && input.files.length ? input.files[0].name : 'Chưa chọn tệp';
    }
  });
}());
