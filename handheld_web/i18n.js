// The one table of interface strings (English / Simplified Chinese) and the current language.
// Chinese wording follows shared/spec/glossary.md (货位 bin, 货品 item, 批次 lot, 数量 qty, 库区 zone).

const STORAGE_KEY = "hh.lang";
export const LANGUAGES = ["en", "zh"];

const STRINGS = {
  en: {
    app_title: "Floor scanner",
    lang_toggle: "中文",
    lang_toggle_label: "Switch language to Chinese",
    login_title: "Sign in",
    login_badge_hint: "Scan your badge, or sign in with your name and password.",
    login_username: "User name",
    login_password: "Password",
    login_submit: "Sign in",
    login_busy: "Signing in…",
    login_unreachable: "Cannot reach the server. Check the Wi-Fi and try again.",
    login_missing: "Enter user name and password.",
    device: "Device",
    device_save: "Save",
    scan_placeholder: "Scan here",
    scan_label: "Scan",
    keyboard_toggle: "Keyboard",
    menu_title: "Tasks",
    menu_signed_in_as: "Signed in: {name} ({role})",
    menu_no_journeys: "No tasks are open to your role.",
    menu_scan_hint: "Choose a task first.",
    logout: "Sign out",
    logout_waiting: "{n} scans are not sent yet. They will be sent when you sign in again. Sign out anyway?",
    yes: "Yes",
    no: "No",
    back: "Back",
    journey_lookup: "Look up",
    journey_lookup_hint: "Scan a bin or an item",
    lookup_idle: "Scan a bin or an item barcode.",
    conn_online: "Online",
    conn_offline: "Offline",
    conn_connecting: "Connecting…",
    conn_waiting: "{n} waiting",
    pending_sending: "Sending {code}…",
    pending_saved: "Saved {code}: it will be sent when the connection is back.",
    kind_bin: "Bin",
    kind_item: "Item",
    kind_tote: "Tote",
    kind_lpn: "LPN",
    kind_badge: "Badge",
    zone: "Zone",
    aisle: "Aisle",
    bay: "Bay",
    level: "Level",
    sku: "SKU",
    lot: "Lot",
    expiry: "Expiry",
    qty: "Qty",
    bin: "Bin",
    barcodes: "Barcodes",
    serial: "Serial",
    total_qty: "Total qty",
    colon: ": ",
    bin_empty: "Bin is empty",
    item_no_stock: "No stock in any bin",
    scanned: "Scanned",
    error_title: "Wrong scan",
    session_expired: "Your session has ended. Please sign in again.",
    role_picker: "picker",
    role_receiver: "receiver",
    role_inspector: "inspector",
    role_packer: "packer",
    role_supervisor: "supervisor",
    role_admin: "admin",
  },
  zh: {
    app_title: "仓库扫描",
    lang_toggle: "EN",
    lang_toggle_label: "切换到英文",
    login_title: "登录",
    login_badge_hint: "请扫描工牌，或输入用户名和密码登录。",
    login_username: "用户名",
    login_password: "密码",
    login_submit: "登录",
    login_busy: "正在登录…",
    login_unreachable: "无法连接服务器，请检查 Wi-Fi 后重试。",
    login_missing: "请输入用户名和密码。",
    device: "设备",
    device_save: "保存",
    scan_placeholder: "请扫描",
    scan_label: "扫描",
    keyboard_toggle: "键盘",
    menu_title: "任务",
    menu_signed_in_as: "当前用户：{name}（{role}）",
    menu_no_journeys: "您的角色没有可用的任务。",
    menu_scan_hint: "请先选择任务。",
    logout: "退出登录",
    logout_waiting: "还有 {n} 条扫描未发送，下次登录后会继续发送。仍要退出吗？",
    yes: "是",
    no: "否",
    back: "返回",
    journey_lookup: "查询",
    journey_lookup_hint: "扫描货位或货品",
    lookup_idle: "请扫描货位或货品条码。",
    conn_online: "在线",
    conn_offline: "离线",
    conn_connecting: "正在连接…",
    conn_waiting: "{n} 条待发送",
    pending_sending: "正在发送 {code}…",
    pending_saved: "已保存 {code}，网络恢复后自动发送。",
    kind_bin: "货位",
    kind_item: "货品",
    kind_tote: "周转箱",
    kind_lpn: "箱号",
    kind_badge: "工牌",
    zone: "库区",
    aisle: "巷道",
    bay: "列",
    level: "层",
    sku: "商品编码",
    lot: "批次",
    expiry: "有效期",
    qty: "数量",
    bin: "货位",
    barcodes: "条码",
    serial: "序列号",
    total_qty: "总数量",
    colon: "：",
    bin_empty: "货位为空",
    item_no_stock: "所有货位均无库存",
    scanned: "扫描内容",
    error_title: "扫描错误",
    session_expired: "登录已失效，请重新登录。",
    role_picker: "拣货员",
    role_receiver: "收货员",
    role_inspector: "质检员",
    role_packer: "打包员",
    role_supervisor: "主管",
    role_admin: "管理员",
  },
};

function initialLanguage() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(stored)) return stored;
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

let current = initialLanguage();

export function lang() {
  return current;
}

/** Whether the user picked a language on this device (then it wins over the account's locale). */
export function hasStoredLang() {
  return LANGUAGES.includes(localStorage.getItem(STORAGE_KEY));
}

export function setLang(value) {
  if (!LANGUAGES.includes(value)) return;
  current = value;
  localStorage.setItem(STORAGE_KEY, value);
  document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
}

export function toggleLang() {
  setLang(current === "en" ? "zh" : "en");
}

/** An interface string in the current language, with {placeholders} filled from vars. */
export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** The current language's text of a server message {"en": …, "zh": …} (or a plain string). */
export function pick(message) {
  if (message == null) return "";
  if (typeof message === "string") return message;
  return message[current] || message.en || message.zh || "";
}

/** Fill every [data-i18n] (text) and [data-i18n-placeholder] element under root. */
export function translatePage(root = document) {
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
}
