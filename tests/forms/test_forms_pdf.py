"""Forms 01–07 rendered to PDF and read back: header, title, key fields with every diacritic, A4,
fonts, QR code, escaping."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader
from tests.forms.samples import (
    APPLICANT,
    CODE,
    ICT,
    LOOKUP_URL,
    SAMPLES,
    UTC,
    apology,
    pdf_text,
    poppler,
    receipt,
    refusal,
    register,
)

from onestop.forms import (
    FORMS,
    Applicant,
    PaymentStatus,
    RefusalContext,
    render_html,
    render_pdf,
)

NATIONAL_HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
A4 = (595.28, 841.89)

EXPECTED: dict[str, tuple[str, ...]] = {
    "01": (
        "UBND TỈNH NGHỆ AN TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH NGHỆ AN Số: 125/TNHS",
        "Nghệ An, ngày 26 tháng 02 năm 2026",
        f"Mã hồ sơ: {CODE}",
        "Mã tra cứu: K7Q2-9XMD",
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An tiếp nhận hồ sơ của: Nguyễn Thị Hồng Nhung",
        "Địa chỉ: Số 18 đường Lê Duẩn, khối Yên Giang, Phường Bến Thủy, tỉnh Nghệ An",
        "Số điện thoại: 0912 345 678 Email: nhung.nth@example.vn",
        "Nội dung yêu cầu giải quyết: Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu"
        " nhà ở và tài sản khác gắn liền với đất lần đầu",
        "STT Tên giấy tờ Loại Số lượng",
        "1 Đơn đăng ký đất đai (Mẫu số 04/ĐK) Bản chính 1",
        "2 Giấy chứng nhận quyền sử dụng đất Bản sao 1",
        "3 Căn cước công dân của người nộp hồ sơ Bản điện tử 1",
        "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định: 05 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 26 tháng 02 năm 2026",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 05 tháng 3 năm 2026",
        "6. Đăng ký nhận kết quả tại: Bộ phận Một cửa — Trung tâm Phục vụ hành chính công",
        "7. Phí, lệ phí: 200.000 đồng (Lệ phí cấp Giấy chứng nhận: 50.000 đồng; Phí thẩm định"
        " hồ sơ: 150.000 đồng) — Đã nộp",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 03, Số thứ tự: 0125",
        "NGƯỜI NỘP HỒ SƠ (Ký, ghi rõ họ tên) Nguyễn Thị Hồng Nhung",
        "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký, ghi rõ họ tên) Trần Văn Đức",
    ),
    "02": (
        "Số: 12/HDHS",
        f"Mã hồ sơ: {CODE}",
        "Hồ sơ của: Nguyễn Thị Hồng Nhung",
        "Thời gian nộp hồ sơ: 08 giờ 30 phút, ngày 26 tháng 02 năm 2026",
        "Căn cứ: Nghị định số 101/2024/NĐ-CP của Chính phủ",
        "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau: 1. Bổ sung bản sao Giấy chứng nhận quyền"
        " sử dụng đất có chứng thực. 2. Sơ đồ thửa đất ghi sai diện tích;",
        "Lý do: Hồ sơ chưa đầy đủ thành phần theo quy định của thủ tục hành chính.",
        "Thời hạn bổ sung, hoàn thiện hồ sơ: trước 17 giờ 00 phút, ngày 06 tháng 3 năm 2026",
        "liên hệ với Lê Thị Thu Hương, số điện thoại 0238 3844 555 để được hướng dẫn.",
        "NGƯỜI HƯỚNG DẪN (Ký, ghi rõ họ tên) Trần Văn Đức",
    ),
    "03": (
        "Số: 3/TCHS",
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An tiếp nhận hồ sơ của: Nguyễn Thị Hồng Nhung",
        "Sau khi xem xét hồ sơ, căn cứ khoản 1 Điều 151 Luật Đất đai năm 2024, Trung tâm Phục vụ"
        " hành chính công tỉnh Nghệ An thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ"
        " thể như sau: Thửa đất đang có tranh chấp, chưa đủ điều kiện cấp Giấy chứng nhận.",
        "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký, ghi rõ họ tên) Trần Văn Đức",
    ),
    "04": (
        "UBND TỈNH NGHỆ AN VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI TỈNH NGHỆ AN Số: 07/PXL",
        "Nghệ An, ngày 04 tháng 3 năm 2026",
        "Kính gửi: Nguyễn Thị Hồng Nhung",
        "Ngày 26 tháng 02 năm 2026, hồ sơ đề nghị giải quyết thủ tục hành chính Đăng ký, cấp Giấy"
        " chứng nhận quyền sử dụng đất",
        f"mã hồ sơ: {CODE}.",
        "hẹn trả kết quả là 17 giờ 00 phút, ngày 05 tháng 3 năm 2026.",
        "Lý do: Phải xác minh nguồn gốc sử dụng đất với Ủy ban nhân dân Phường Bến Thủy.",
        "Văn phòng Đăng ký đất đai tỉnh Nghệ An xin lỗi Ông/Bà vì sự chậm trễ này và đề nghị gia"
        " hạn thời gian giải quyết hồ sơ, hẹn trả kết quả vào 16 giờ 30 phút, ngày 12 tháng 3"
        " năm 2026.",
        "Nơi nhận: - Như trên; - Trung tâm Phục vụ hành chính công tỉnh; - Lưu: VT, ĐKĐĐ.",
        "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC (Ký, ghi rõ họ tên, đóng dấu) Phạm Quốc Hưng",
    ),
    "05": (
        "Số: 02/TB",
        "Nghệ An, ngày 03 tháng 3 năm 2026",
        "Kính gửi: Nguyễn Thị Hồng Nhung",
        "Căn cứ dừng giải quyết hồ sơ: Theo đề nghị dừng thực hiện thủ tục hành chính của người nộp"
        " hồ sơ ngày 02/3/2026.",
        "Hồ sơ đã được giải quyết đến bước: Đang thẩm định hồ sơ tại Văn phòng Đăng ký đất đai.",
        "Phí, lệ phí đã nộp: Hoàn trả phí thẩm định hồ sơ 150.000 đồng tại Bộ phận Một cửa.",
        "Nơi nhận: - Như trên; - Lưu: VT.",
        "GIÁM ĐỐC (Ký, ghi rõ họ tên, đóng dấu) Hoàng Minh Tuấn",
    ),
    "06": (
        f"Mã hồ sơ: {CODE}",
        "Kèm theo hồ sơ của: Nguyễn Thị Hồng Nhung",
        "Ngày, tháng, năm nhận hồ sơ: 08 giờ 30 phút, ngày 26 tháng 02 năm 2026",
        "Ngày hẹn trả kết quả: 17 giờ 00 phút, ngày 05 tháng 3 năm 2026",
        "TÊN CƠ QUAN THỜI GIAN GIAO, NHẬN HỒ SƠ KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá"
        " hạn) GHI CHÚ",
        "1. Giao: Bộ phận Một cửa Nhận: Văn phòng Đăng ký đất đai tỉnh Nghệ An 10 giờ 15 phút,"
        " ngày 26 tháng 02 năm 2026 Người giao: Trần Văn Đức Người nhận: Võ Thị Lan Trước hạn",
        "Người nhận: Đặng Văn Quý Quá hạn Chờ xác minh nguồn gốc đất",
        "3. Giao: Sở Nông nghiệp và Môi trường Nhận: Bộ phận Một cửa 14 giờ 05 phút, ngày 05"
        " tháng 3 năm 2026 Người giao: Đặng Văn Quý Người nhận: Trần Văn Đức Đúng hạn",
    ),
    "07": (
        "Từ ngày 01 tháng 02 năm 2026 đến ngày 31 tháng 3 năm 2026",
        "TT Mã hồ sơ Tên TTHC Số lượng hồ sơ (bộ) Tên cá nhân, tổ chức Địa chỉ, số điện thoại Cơ"
        " quan chủ trì giải quyết Nhận hồ sơ (ngày, tháng, năm) Hẹn trả kết quả Chuyển hồ sơ đến"
        " cơ quan giải quyết Nhận kết quả từ cơ quan giải quyết Trả kết quả cho cá nhân, tổ chức"
        " (ngày, tháng, năm; ký nhận) Ghi chú",
        "000.00.01.H99-260226-0001",
        "000.00.01.H99-260226-0003",
        "Nguyễn Thị Hồng Nhung",
        "08:30 26/02/2026 17:00 05/03/2026 10:15 26/02/2026 14:05 05/03/2026 15:30 05/03/2026",
        "Tổng số hồ sơ: 3.",
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_form_reads_back_with_header_title_and_key_fields(
    rendered: dict[str, Path], form: str
) -> None:
    text = pdf_text(rendered[form])
    for line in NATIONAL_HEADER:
        assert line in text
    assert "UBND TỈNH NGHỆ AN" in text
    assert FORMS[form].title.upper() in text
    for expected in EXPECTED[form]:
        assert expected in text, f"form {form}: {expected!r} not in {text!r}"
    if form in ("06", "07"):
        assert "Số: " not in text  # no document number on the sheet and the register


@pytest.mark.parametrize("form", list(FORMS))
def test_form_is_a4_portrait_except_the_register(rendered: dict[str, Path], form: str) -> None:
    reader = PdfReader(rendered[form])
    assert reader.metadata is not None and reader.metadata.title is not None
    assert reader.metadata.title.startswith(FORMS[form].title)
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        expected = (A4[1], A4[0]) if form == "07" else A4
        assert size == pytest.approx(expected, abs=0.5)


@pytest.mark.parametrize("form", list(FORMS))
def test_form_embeds_only_noto_or_dejavu_fonts(rendered: dict[str, Path], form: str) -> None:
    lines = poppler("pdffonts", str(rendered[form])).splitlines()[2:]
    names = [line.split()[0].split("+", 1)[-1] for line in lines if line.strip()]
    assert names, "no embedded font"
    for name in names:
        assert name.startswith(("Noto-Serif", "NotoSerif", "DejaVuSerif", "DejaVu-Serif")), names
        assert "Liberation" not in name


def _qr_modules(png: object, size: int, border: int) -> list[list[bool]]:
    """Sample the centre of every module of a QR image (True = dark)."""
    from PIL import Image

    assert isinstance(png, Image.Image)
    image = png.convert("L")
    width = image.size[0]
    total = size + 2 * border
    step = width / total

    def dark(x: int, y: int) -> bool:
        value = image.getpixel((int((border + x + 0.5) * step), int((border + y + 0.5) * step)))
        assert isinstance(value, int)
        return value < 128

    return [[dark(x, y) for x in range(size)] for y in range(size)]


def test_receipt_qr_code_encodes_the_lookup_url(rendered: dict[str, Path]) -> None:
    """No QR decoder is installed; the embedded image is compared module by module with the
    symbol segno builds for the lookup URL (same version and error level), which identifies it."""
    images = list(PdfReader(rendered["01"]).pages[0].images)
    assert len(images) == 1
    expected = segno.make(LOOKUP_URL, error="m", boost_error=False)
    size = int(expected.symbol_size(scale=1, border=0)[0])
    found = _qr_modules(images[0].image, size, border=4)
    wanted = [[bool(bit) for bit in row] for row in expected.matrix]
    assert found == wanted
    other = segno.make(LOOKUP_URL + "x", error="m", boost_error=False)
    assert [[bool(bit) for bit in row] for row in other.matrix] != found


def test_dates_print_in_local_time_even_across_midnight() -> None:
    context = receipt(
        received_at=dt.datetime(2026, 2, 25, 18, 5, tzinfo=UTC),  # 01:05 on 26/02 in Hà Nội
        appointment_at=dt.datetime(2026, 3, 4, 10, 0, tzinfo=UTC),  # 17:00 on 04/03
    )
    html = render_html("01", context)
    assert "4. Thời gian nhận hồ sơ: 01 giờ 05 phút, ngày 26 tháng 02 năm 2026" in html
    assert "17 giờ 00 phút, ngày 04 tháng 3 năm 2026" in html


def test_appointment_is_printed_exactly_as_given() -> None:
    """The forms never normalise an appointment (the engine already avoids 07:00 instants)."""
    context = receipt(appointment_at=dt.datetime(2026, 3, 6, 7, 0, tzinfo=ICT))
    assert "07 giờ 00 phút, ngày 06 tháng 3 năm 2026" in render_html("01", context)


def test_missing_number_prints_a_blank_with_the_form_suffix() -> None:
    context = receipt(letterhead=dataclasses.replace(receipt().letterhead, number=None))
    assert "Số: ……/TNHS" in render_html("01", context)


def test_receipt_without_fees_says_so() -> None:
    context = receipt(fees=(), payment_status=PaymentStatus.NOT_REQUIRED, documents=())
    html = render_html("01", context)
    assert "7. Phí, lệ phí: Không thu phí, lệ phí" in html
    assert "(Không có giấy tờ kèm theo)" in html


def test_refusal_without_optional_fields_renders() -> None:
    base = refusal()
    context = RefusalContext(
        letterhead=base.letterhead,
        applicant=Applicant("Trần Thị Ánh Tuyết"),
        procedure_name=base.procedure_name,
        reason="Hồ sơ không thuộc thẩm quyền giải quyết.",
        receiver_name="Trần Văn Đức",
    )
    html = render_html("03", context)
    assert "Mã hồ sơ" not in html
    assert "Hồ sơ không thuộc thẩm quyền giải quyết." in html


MALICIOUS = '<script>alert("x")</script><img src="file:///etc/passwd">Nguyễn <b>Hồng</b>'


def test_applicant_text_is_escaped_in_html_and_printed_literally(tmp_path: Path) -> None:
    context = dataclasses.replace(
        apology(),
        applicant=dataclasses.replace(APPLICANT, name=MALICIOUS),
        reason="</p><h1>Giả mạo</h1>",
    )
    html = render_html("04", context)
    assert "<script" not in html and "<img" not in html and "<h1>Giả mạo" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;/p&gt;&lt;h1&gt;Giả mạo&lt;/h1&gt;" in html
    pdf = render_pdf("04", context)
    assert not list(PdfReader(io.BytesIO(pdf)).pages[0].images)  # the <img> was not loaded
    path = tmp_path / "evil.pdf"
    path.write_bytes(pdf)
    squashed = pdf_text(path).replace(" ", "")
    assert f"Kínhgửi:{MALICIOUS}".replace(" ", "") in squashed
    assert "Lýdo:</p><h1>Giảmạo</h1>" in squashed


def test_long_register_repeats_the_header_on_every_landscape_page(tmp_path: Path) -> None:
    path = tmp_path / "register.pdf"
    path.write_bytes(render_pdf("07", register(rows=40)))
    reader = PdfReader(path)
    assert len(reader.pages) > 1
    for number in range(1, len(reader.pages) + 1):
        text = pdf_text(path, page=number)
        assert "TT Mã hồ sơ Tên TTHC" in text
        layout = poppler(
            "pdftotext", "-layout", "-f", str(number), "-l", str(number), str(path), "-"
        )
        first_line = layout.strip().splitlines()[0].strip()
        if number > 1:  # page number at the top centre from page 2 on
            assert first_line == str(number)
        else:
            assert first_line.startswith("UBND TỈNH NGHỆ AN")
    assert "000.00.01.H99-260226-0040" in pdf_text(path)
    assert "Tổng số hồ sơ: 40." in pdf_text(path)


def test_empty_register_renders() -> None:
    html = render_html("07", register(rows=0))
    assert "(Không có hồ sơ trong kỳ)" in html


def test_unknown_form_or_wrong_context_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown form"):
        render_pdf("08", SAMPLES["01"])
    with pytest.raises(TypeError, match="ApologyContext"):
        render_html("04", SAMPLES["01"])
