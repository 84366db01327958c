"""Vietnamese vocabulary for generated catalog and people (realistic lengths and diacritics)."""

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quang", "Thu", "Bảo", "Gia", "Xuân", "Hoài"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Hương", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Ngân", "Nhung", "Phong", "Phúc", "Phương", "Quân", "Quyên", "Sơn",
         "Tâm", "Thảo", "Thắng", "Trang", "Trí", "Tuấn", "Uyên", "Việt", "Vy", "Yến"]  # fmt: skip

FIELDS = [
    ("ho-tich", "Hộ tịch"), ("cu-tru", "Cư trú"), ("chung-thuc", "Chứng thực"), ("dat-dai", "Đất đai"),
    ("xay-dung", "Xây dựng"), ("dang-ky-kinh-doanh", "Đăng ký kinh doanh"), ("giao-thong", "Giao thông vận tải"),
    ("lao-dong", "Lao động, tiền lương"), ("bao-tro-xa-hoi", "Bảo trợ xã hội"), ("nguoi-co-cong", "Người có công"),
    ("giao-duc", "Giáo dục và đào tạo"), ("y-te", "Y tế"), ("tai-nguyen-moi-truong", "Tài nguyên và môi trường"),
    ("tu-phap", "Lý lịch tư pháp"), ("nong-nghiep", "Nông nghiệp"), ("van-hoa", "Văn hóa"),
    ("thong-tin-truyen-thong", "Thông tin và truyền thông"), ("thue", "Thuế"), ("bao-hiem", "Bảo hiểm xã hội"),
    ("cong-thuong", "Công thương"), ("khoa-hoc", "Khoa học và công nghệ"), ("noi-vu", "Nội vụ"),
    ("ton-giao", "Tôn giáo"), ("thi-dua", "Thi đua, khen thưởng"), ("dau-tu", "Đầu tư"),
]  # fmt: skip

PROCEDURES = [
    "Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử", "Đăng ký nhận cha, mẹ, con",
    "Cấp bản sao trích lục hộ tịch", "Đăng ký thay đổi, cải chính hộ tịch", "Cấp Phiếu lý lịch tư pháp",
    "Đăng ký thường trú", "Đăng ký tạm trú", "Xóa đăng ký thường trú", "Khai báo tạm vắng",
    "Chứng thực bản sao từ bản chính", "Chứng thực chữ ký", "Chứng thực hợp đồng, giao dịch",
    "Cấp giấy chứng nhận quyền sử dụng đất", "Đăng ký biến động đất đai", "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Đăng ký hộ kinh doanh", "Đăng ký thành lập doanh nghiệp", "Cấp đổi giấy phép lái xe",
    "Đăng ký xe mô tô, xe gắn máy", "Hỗ trợ chi phí mai táng", "Trợ cấp xã hội hằng tháng",
    "Xác nhận tình trạng hôn nhân", "Cấp giấy phép kinh doanh bán lẻ rượu",
    "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    "Đăng ký khai tử, xóa đăng ký thường trú, giải quyết mai táng phí", "Cấp giấy phép hoạt động khám bệnh, chữa bệnh",
    "Công nhận tổ hợp tác", "Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm", "Đăng ký hoạt động tín ngưỡng",
    "Cấp giấy phép tổ chức lễ hội", "Thẩm định thiết kế phòng cháy, chữa cháy", "Cấp giấy phép khai thác nước dưới đất",
    "Xác nhận đăng ký kế hoạch bảo vệ môi trường", "Cấp lại thẻ căn cước", "Đăng ký lại khai sinh",
    "Đăng ký giám hộ", "Chuyển trường cho học sinh trung học cơ sở",
]  # fmt: skip
QUALIFIERS = ["", " (cấp xã)", " (cấp tỉnh)", " có yếu tố nước ngoài", " trực tuyến toàn trình", " lưu động",
              " cho người đã có hồ sơ, giấy tờ cá nhân", " đối với cá nhân", " đối với tổ chức"]  # fmt: skip

DEPARTMENTS = ["Sở Tư pháp", "Sở Xây dựng", "Sở Tài nguyên và Môi trường", "Sở Kế hoạch và Đầu tư", "Sở Y tế",
               "Sở Giáo dục và Đào tạo", "Sở Lao động - Thương binh và Xã hội", "Sở Công Thương",
               "Sở Nông nghiệp và Môi trường", "Sở Văn hóa, Thể thao và Du lịch", "Sở Nội vụ", "Sở Tài chính",
               "Sở Khoa học và Công nghệ", "Công an tỉnh", "Ban Quản lý các khu công nghiệp"]  # fmt: skip

DOCUMENTS = ["Tờ khai theo mẫu", "Bản sao giấy chứng sinh", "Giấy tờ chứng minh nơi cư trú", "Ảnh chân dung 4x6",
             "Giấy ủy quyền (nếu có)", "Bản chính giấy tờ cần chứng thực", "Sơ đồ vị trí thửa đất",
             "Giấy xác nhận tình trạng hôn nhân", "Bản vẽ thiết kế", "Hợp đồng thuê nhà"]  # fmt: skip
