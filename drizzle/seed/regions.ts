/**
 * Korea's 17 시/도 and their 시/군/구 (names as of 2024: 강원특별자치도, 전북특별자치도; 군위군 in 대구).
 * Codes are this project's own: the 시/도's two-digit code and a running three-digit number.
 * weight: the 시/도's rough share of population, used to spread demo clinics realistically.
 */
export interface Sido {
  code: string;
  name: string;
  nameEn: string;
  areaCode: string;
  weight: number;
  districts: string[];
}

/** A 시/군/구's code: its 시/도's code and its place in that list (10, 20, ...), e.g. 11010 for 종로구. */
export function districtCode(sidoCode: string, index: number): string {
  return `${sidoCode}${String((index + 1) * 10).padStart(3, "0")}`;
}

export const SIDO: Sido[] = [
  { code: "11", name: "서울특별시", nameEn: "Seoul", areaCode: "02", weight: 18.2, districts: ["종로구", "중구", "용산구", "성동구", "광진구", "동대문구", "중랑구", "성북구", "강북구", "도봉구", "노원구", "은평구", "서대문구", "마포구", "양천구", "강서구", "구로구", "금천구", "영등포구", "동작구", "관악구", "서초구", "강남구", "송파구", "강동구"] },
  { code: "26", name: "부산광역시", nameEn: "Busan", areaCode: "051", weight: 6.4, districts: ["중구", "서구", "동구", "영도구", "부산진구", "동래구", "남구", "북구", "해운대구", "사하구", "금정구", "강서구", "연제구", "수영구", "사상구", "기장군"] },
  { code: "27", name: "대구광역시", nameEn: "Daegu", areaCode: "053", weight: 4.6, districts: ["중구", "동구", "서구", "남구", "북구", "수성구", "달서구", "달성군", "군위군"] },
  { code: "28", name: "인천광역시", nameEn: "Incheon", areaCode: "032", weight: 5.8, districts: ["중구", "동구", "미추홀구", "연수구", "남동구", "부평구", "계양구", "서구", "강화군", "옹진군"] },
  { code: "29", name: "광주광역시", nameEn: "Gwangju", areaCode: "062", weight: 2.8, districts: ["동구", "서구", "남구", "북구", "광산구"] },
  { code: "30", name: "대전광역시", nameEn: "Daejeon", areaCode: "042", weight: 2.8, districts: ["동구", "중구", "서구", "유성구", "대덕구"] },
  { code: "31", name: "울산광역시", nameEn: "Ulsan", areaCode: "052", weight: 2.1, districts: ["중구", "남구", "동구", "북구", "울주군"] },
  { code: "36", name: "세종특별자치시", nameEn: "Sejong", areaCode: "044", weight: 0.8, districts: ["세종시"] },
  { code: "41", name: "경기도", nameEn: "Gyeonggi-do", areaCode: "031", weight: 26.3, districts: ["수원시", "성남시", "의정부시", "안양시", "부천시", "광명시", "평택시", "동두천시", "안산시", "고양시", "과천시", "구리시", "남양주시", "오산시", "시흥시", "군포시", "의왕시", "하남시", "용인시", "파주시", "이천시", "안성시", "김포시", "화성시", "광주시", "양주시", "포천시", "여주시", "연천군", "가평군", "양평군"] },
  { code: "51", name: "강원특별자치도", nameEn: "Gangwon", areaCode: "033", weight: 3.0, districts: ["춘천시", "원주시", "강릉시", "동해시", "태백시", "속초시", "삼척시", "홍천군", "횡성군", "영월군", "평창군", "정선군", "철원군", "화천군", "양구군", "인제군", "고성군", "양양군"] },
  { code: "43", name: "충청북도", nameEn: "Chungcheongbuk-do", areaCode: "043", weight: 3.1, districts: ["청주시", "충주시", "제천시", "보은군", "옥천군", "영동군", "증평군", "진천군", "괴산군", "음성군", "단양군"] },
  { code: "44", name: "충청남도", nameEn: "Chungcheongnam-do", areaCode: "041", weight: 4.1, districts: ["천안시", "공주시", "보령시", "아산시", "서산시", "논산시", "계룡시", "당진시", "금산군", "부여군", "서천군", "청양군", "홍성군", "예산군", "태안군"] },
  { code: "52", name: "전북특별자치도", nameEn: "Jeonbuk", areaCode: "063", weight: 3.4, districts: ["전주시", "군산시", "익산시", "정읍시", "남원시", "김제시", "완주군", "진안군", "무주군", "장수군", "임실군", "순창군", "고창군", "부안군"] },
  { code: "46", name: "전라남도", nameEn: "Jeollanam-do", areaCode: "061", weight: 3.5, districts: ["목포시", "여수시", "순천시", "나주시", "광양시", "담양군", "곡성군", "구례군", "고흥군", "보성군", "화순군", "장흥군", "강진군", "해남군", "영암군", "무안군", "함평군", "영광군", "장성군", "완도군", "진도군", "신안군"] },
  { code: "47", name: "경상북도", nameEn: "Gyeongsangbuk-do", areaCode: "054", weight: 5.0, districts: ["포항시", "경주시", "김천시", "안동시", "구미시", "영주시", "영천시", "상주시", "문경시", "경산시", "의성군", "청송군", "영양군", "영덕군", "청도군", "고령군", "성주군", "칠곡군", "예천군", "봉화군", "울진군", "울릉군"] },
  { code: "48", name: "경상남도", nameEn: "Gyeongsangnam-do", areaCode: "055", weight: 6.3, districts: ["창원시", "진주시", "통영시", "사천시", "김해시", "밀양시", "거제시", "양산시", "의령군", "함안군", "창녕군", "고성군", "남해군", "하동군", "산청군", "함양군", "거창군", "합천군"] },
  { code: "50", name: "제주특별자치도", nameEn: "Jeju", areaCode: "064", weight: 1.3, districts: ["제주시", "서귀포시"] },
];
