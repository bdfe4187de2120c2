"""Errors as values: a stable code, an HTTP status, and a message in English and Chinese."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.domain.roles import ROLE_NAMES
from server.domain.status_words import STATUS_ZH, STATUSES

# code -> (HTTP status, English template, Chinese template). Templates use str.format fields.
CATALOG: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "The request is incomplete: {detail}.", "请求不完整：{detail}。"),
    "no_orders_for_wave": (400, "No released order matches these filters: release orders first, or widen the filters.",
                           "没有符合这些条件的已释放订单：请先释放订单，或放宽条件。"),
    "order_number_missing": (400, "An order needs its order number.", "订单需要订单编号。"),
    "order_number_too_long": (400, "Order number {order} is too long: at most {max} characters.",
                              "订单编号 {order} 过长：最多 {max} 个字符。"),
    "order_number_characters": (400, "Order number {order} has a character a label barcode cannot carry: "
                                     "'{char}'. Use letters, digits and - _ . / #.",
                                "订单编号 {order} 含有标签条码无法承载的字符：'{char}'。"
                                "请只用字母、数字和 - _ . / #。"),
    "order_number_ambiguous": (409, "Order number {order} exists in several channels ({channels}): name the channel.",
                               "订单编号 {order} 在多个渠道中存在（{channels}）：请指明渠道。"),
    "bad_packet": (400, "The message could not be read ({detail}): send it again from the app.",
                   "无法读取该消息（{detail}）：请从应用重新发送。"),
    "not_authenticated": (401, "Please log in first.", "请先登录。"),
    "bad_credentials": (401, "Wrong user name or password.", "用户名或密码错误。"),
    "unknown_badge": (401, "This badge is not registered.", "该工牌未登记。"),
    "device_token_invalid": (401, "This device's token is invalid or revoked.",
                             "设备令牌无效或已被吊销。"),
    "forbidden": (403, "Your role ({role}) may not do this.", "您的角色（{role}）无权执行此操作。"),
    "not_found": (404, "{what} not found.", "未找到{what_zh}。"),
    "bad_scan_id": (400, "The scan carries no valid scan id.", "扫描缺少有效的扫描编号。"),
    "empty_code": (400, "Nothing was scanned.", "没有扫描到内容。"),
    "code_too_long": (400, "The scan is too long ({length} characters): scan again.",
                      "扫描内容过长（{length} 个字符），请重新扫描。"),
    "unknown_barcode": (404, "Unknown barcode: {code}.", "未知条码：{code}。"),
    "bad_check_digit": (400, "Barcode {code} has a wrong check digit: misread, scan again.",
                        "条码 {code} 校验位错误：可能误读，请重新扫描。"),
    "malformed_gs1": (400, "Malformed GS1 barcode: {detail}.", "GS1 条码格式错误：{detail}。"),
    "unsupported_mode": (400, "Unknown scan mode: {mode}.", "未知的扫描模式：{mode}。"),
    "journey_not_allowed": (403, "Your role ({role}) may not use {mode}.",
                            "您的角色（{role}）不能使用此功能（{mode}）。"),
    "negative_stock": (409, "Only {available} left in bin {bin}; cannot take {qty}.",
                       "货位 {bin} 仅剩 {available}，无法取出 {qty}。"),
    "printer_not_found": (404, "Printer {printer} does not exist.", "打印机 {printer} 不存在。"),
    "no_bins": (404, "No bins in zone {zone}.", "库区 {zone} 没有货位。"),
    "bad_dpi": (400, "Printers here print at 203 or 300 dpi, not {dpi}.",
                "打印机分辨率只能是 203 或 300 dpi，而不是 {dpi}。"),
    "job_not_found": (404, "Print job {job} does not exist.", "打印任务 {job} 不存在。"),
    # --- devices and printers (the supervisor's Devices page, /api/v1/printers, /stations, /devices) ---
    "duplicate_printer": (409, "Printer {printer} already exists.", "打印机 {printer} 已存在。"),
    "duplicate_station": (409, "Packing station {station} already exists.", "打包台 {station} 已存在。"),
    "duplicate_device": (409, "Device {device} already exists.", "设备 {device} 已存在。"),
    "bad_code": (400, "{code} is not a usable code: 1 to {limit} letters, digits, '-', '_' or '.'.",
                 "{code} 不是有效的编号：须为 1 到 {limit} 个字母、数字、“-”、“_”或“.”。"),
    "unknown_transport": (400, "Unknown printer transport {transport}: use tcp9100 (raw TCP, host and port) "
                                "or cups (a CUPS queue).",
                          "未知的打印机连接方式 {transport}：请使用 tcp9100（原始 TCP，主机和端口）"
                          "或 cups（CUPS 队列）。"),
    "transport_needs": (400, "A {transport} printer needs its {field}.", "{transport} 打印机必须填写 {field}。"),
    "bad_printer_host": (400, "{host} is not a printer host name or IPv4 address (give the port separately).",
                         "{host} 不是有效的打印机主机名或 IPv4 地址（端口请单独填写）。"),
    "bad_port": (400, "{port} is not a TCP port: give a whole number from 1 to 65535 (Zebra printers use 9100).",
                 "{port} 不是有效的 TCP 端口：请填写 1 到 65535 之间的整数（斑马打印机用 9100）。"),
    "bad_cups_queue": (400, "{queue} is not a CUPS queue name (letters, digits, '_', '.' and '-' only).",
                       "{queue} 不是有效的 CUPS 队列名（只能包含字母、数字、“_”、“.”和“-”）。"),
    "bad_label_size": (400, "A label is {min} to {max} mm wide and high, not {width} × {height} mm.",
                       "标签宽度和高度须在 {min} 到 {max} 毫米之间，而不是 {width} × {height} 毫米。"),
    "unknown_document": (400, "Unknown document {document}: choose among {choices}.",
                         "未知的单据类型 {document}：请从 {choices} 中选择。"),
    "unknown_device_kind": (400, "Unknown device kind {kind}: choose pda, scanner_bridge or printer_agent.",
                            "未知的设备类型 {kind}：请选择 pda、scanner_bridge 或 printer_agent。"),
    "wrong_device_kind": (409, "Device {device} is a {kind}; this needs a {expected}.",
                          "设备 {device} 的类型是{kind}，此处需要{expected}。"),
    "device_not_a_handheld": (403, "{device} is not a handheld: a person logs in on a paired handheld only.",
                              "{device} 不是手持终端：人员只能在已配对的手持终端上登录。"),
    "device_retired": (409, "Device {device} is retired: it can no longer be paired, changed or used.",
                       "设备 {device} 已停用：不能再配对、修改或使用。"),
    "scanner_in_use": (409, "Scanner {device} is already the fixed scanner of station {station}.",
                       "扫描器 {device} 已是打包台 {station} 的固定扫描器。"),
    "printer_inactive": (409, "Printer {printer} is retired: choose another printer or make it active again.",
                         "打印机 {printer} 已停用：请选择其他打印机或重新启用。"),
    "printer_no_agent": (409, "Printer {printer} has no printer agent to send its labels: name one first.",
                         "打印机 {printer} 没有打印代理发送标签：请先指定一个。"),
    "unknown_field": (400, "Unknown field {field}: the fields are {choices}.",
                      "未知字段 {field}：可用字段为 {choices}。"),
    "bad_job_state": (409, "Print job {job} cannot go from {current} to {new}.",
                      "打印任务 {job} 不能从{current}变为{new}。"),
    "no_po": (404, "No open purchase order {po}: goods are received only against a PO.",
              "没有未完成的采购单 {po}：只能按采购单收货。"),
    "po_closed": (409, "Purchase order {po} is {status}: nothing more can be received on it.",
                  "采购单 {po} 已{status_zh}，不能再收货。"),
    "duplicate_po": (409, "Purchase order {po} already exists.", "采购单 {po} 已存在。"),
    "item_not_on_po": (409, "{sku} is not on purchase order {po}: set it apart and call the supervisor.",
                       "{sku} 不在采购单 {po} 上：请单独放置并通知主管。"),
    "over_receipt": (409, "Only {open} of {sku} still open on {po} (ordered {ordered}); {qty} would be too many.",
                     "采购单 {po} 的 {sku} 仅剩 {open} 件未收（订购 {ordered}），收 {qty} 件超出订购数量。"),
    "bad_quantity": (400, "Quantity must be a whole number above zero, not {qty}.",
                     "数量必须是大于零的整数，而不是 {qty}。"),
    "packaging_check_first": (409, "Check the carton's packaging first.", "请先检查该箱的外包装。"),
    "receipt_not_counting": (409, "Receipt {receipt} is already {status}.",
                             "收货单 {receipt} 已经{status_zh}。"),
    "nothing_counted": (409, "Nothing was counted on receipt {receipt}.",
                        "收货单 {receipt} 尚未清点任何货品。"),
    "inspection_closed": (409, "Lot {lot} was already {status}.", "批次 {lot} 已经{status_zh}。"),
    "sample_exceeded": (409, "The sample is complete ({target} units): no more units to mark.",
                        "抽样已完成（{target} 件），无需再检验。"),
    "wrong_item": (409, "This is {scanned}, but the lot is {expected}.",
                   "扫描的是 {scanned}，但该批次是 {expected}。"),
    "unknown_reason": (400, "Unknown defect reason {reason}.", "未知的残次原因 {reason}。"),
    "wrong_zone": (409, "Bin {bin} is in zone {zone}; this goes to zone {expected}.",
                   "货位 {bin} 在库区 {zone}；该货品应放入库区 {expected}。"),
    "bin_blocked": (409, "Bin {bin} is blocked: choose another bin.",
                    "货位 {bin} 已被封锁，请选择其他货位。"),
    "task_done": (409, "Put-away task {task} is already done.", "上架任务 {task} 已完成。"),
    "supplier_discontinued": (409, "Inspection of {supplier}'s {product} is discontinued after repeated "
                              "rejections: a supervisor must record the supplier's corrective action first.",
                              "{supplier} 的 {product} 多次拒收，已暂停检验：须由主管记录供应商的纠正措施后才能继续。"),
    "not_inspecting": (409, "Lot {lot} is not waiting for inspection.", "批次 {lot} 不在待检状态。"),
    "scan_po_first": (409, "Scan the purchase order number first.", "请先扫描采购单号。"),
    "scan_lpn_first": (409, "Scan the licence plate (LPN) label first.", "请先扫描箱号（LPN）标签。"),
    "choose_lot_first": (409, "Choose the lot to inspect first.", "请先选择要检验的批次。"),
    "mark_pass_or_defect": (400, "Mark the unit as pass or defect.", "请将该件标记为合格或残次。"),
    "unpaid": (409, "Order {order} is not paid yet: it cannot be released.",
               "订单 {order} 尚未付款，不能放行。"),
    "order_closed": (409, "Order {order} was closed by the marketplace: it will not ship.",
                     "订单 {order} 已被平台关闭，不会发货。"),
    "unknown_sku": (409, "Order {order} line {line}: unknown SKU {sku}. Correct it before the order ships.",
                    "订单 {order} 第 {line} 行：未知商家编码 {sku}，请更正后再发货。"),
    # --- kits (组合装): server/services/catalogue/kits.py ---
    "kit_empty": (400, "Kit {kit} has no components.", "组合装 {kit} 没有子商品。"),
    "kit_unknown_component": (400, "Kit {kit}: component {sku} is no item of the item master.",
                              "组合装 {kit}：子商品 {sku} 不在商品资料中。"),
    "kit_contains_itself": (400, "Kit {kit} contains itself ({path}).", "组合装 {kit} 包含了它自己（{path}）。"),
    "kit_bad_qty": (400, "Kit {kit}: component {sku} needs a quantity of at least 1, not {qty}.",
                    "组合装 {kit}：子商品 {sku} 的数量至少为 1，而不是 {qty}。"),
    "kit_component_twice": (400, "Kit {kit} names component {sku} twice: give it once with the total.",
                            "组合装 {kit} 重复列出子商品 {sku}：请合并为一行并写总数量。"),
    "kit_left_out": (400, "Kit {kit} is left out whole: its row {wrong_row} is wrong.",
                     "组合装 {kit} 整个未导入：它的第 {wrong_row} 行有错。"),
    "not_a_kit": (404, "{sku} is not a kit.", "{sku} 不是组合装。"),
    # --- work orders (加工单: assembling kits, taking them apart): server/services/assembly/work_orders.py ---
    "work_order_shortage": (409, "Not enough stock to {doing} {qty} × {kit}: {lines}.",
                            "库存不足，无法{doing_zh} {qty} 套 {kit}：{lines_zh}。"),
    "work_order_state": (409, "Work order {work_order} is {status}: {doing} is not possible now.",
                         "加工单 {work_order} 当前状态为 {status_zh}，现在不能{doing_zh}。"),
    "work_order_kind": (400, "A work order assembles or disassembles, not {kind}.",
                        "加工单只能是组装（assemble）或拆卸（disassemble），不是 {kind}。"),
    "work_order_wrong_bin": (409, "Nothing to pick for work order {work_order} in bin {bin}: go to {expected}.",
                             "加工单 {work_order} 在货位 {bin} 没有要拣的货：请到 {expected}。"),
    "scan_work_order_bin_first": (409, "Scan the bin first: {expected}.", "请先扫描货位：{expected}。"),
    "not_on_work_order": (409, "{sku} is not to be {doing} on work order {work_order} (here, now).",
                          "{sku} 不在加工单 {work_order} 此处要{doing_zh}的货品中。"),
    "work_order_too_many": (409, "Only {remaining} of {sku} left to {doing}, not {qty}.",
                            "{sku} 只剩 {remaining} 件要{doing_zh}，不是 {qty} 件。"),
    "work_order_bad_bin": (409, "Bin {bin} cannot take these units (not an open shelf bin): put them into "
                                "{suggested}.",
                           "货位 {bin} 不能放这些货品（不是可用的货架货位）：请放到 {suggested}。"),
    "work_order_wrong_kit": (409, "{code} is not kit {kit} of work order {work_order}.",
                             "{code} 不是加工单 {work_order} 的组合装 {kit}。"),
    "missing_address": (409, "Order {order} has no delivery address.", "订单 {order} 没有收货地址。"),
    "order_stopped": (409, "Order {order} is stopped at review: {reasons}.",
                      "订单 {order} 审核未通过：{reasons_zh}。"),
    "shortage": (409, "Not enough stock for order {order}: {lines}.", "订单 {order} 缺货：{lines_zh}。"),
    "bad_order_state": (409, "Order {order} is {status}; this needs it {expected}.",
                        "订单 {order} 当前状态为{status}，此操作需要订单处于{expected}状态。"),
    "duplicate_order": (409, "Order {order} from {channel} is already here.",
                        "来自 {channel} 的订单 {order} 已存在。"),
    "already_claimed": (409, "Pick list {pick_list} is already taken by another picker.",
                        "拣货单 {pick_list} 已被其他拣货员领取。"),
    "not_your_pick_list": (409, "Pick list {pick_list} is not claimed by you.",
                           "拣货单 {pick_list} 不是您领取的。"),
    "wrong_bin": (409, "Wrong bin {scanned}: go to {expected}.", "货位错误 {scanned}：请到 {expected}。"),
    "scan_bin_first": (409, "Scan the bin {expected} first.", "请先扫描货位 {expected}。"),
    "wrong_lot": (409, "Lot {scanned} is not the lot to pick ({expected}).",
                  "批次 {scanned} 不是应拣批次（{expected}）。"),
    "over_pick": (409, "Only {remaining} more to pick here, not {qty}.",
                  "此处只需再拣 {remaining} 件，而不是 {qty} 件。"),
    "bind_totes_first": (409, "Scan the cart's totes first (tote {slot}).",
                         "请先扫描拣货车上的周转箱（第 {slot} 箱）。"),
    "tote_in_use": (409, "Tote {tote} is in use for order {order} (on an open pick list, or picked and not "
                         "packed yet): take another tote.",
                    "周转箱 {tote} 正用于订单 {order}（拣货未完成或已拣未打包），请换一个周转箱。"),
    "pick_list_done": (409, "Pick list {pick_list} is finished.", "拣货单 {pick_list} 已完成。"),
    "order_on_hold": (409, "Order {order} is on hold: {reason}. Set it apart and do not ship.",
                      "订单 {order} 已暂缓出货：{reason}。请单独放置，不要发货。"),
    "count_conflict": (409, "Bin {bin} holds units promised to other orders; a supervisor must count it.",
                       "货位 {bin} 中有已分配给其他订单的货品，请主管盘点。"),
    "wrong_tote": (409, "Wrong tote {scanned}: put the units into {expected} (slot {slot}).",
                   "周转箱错误 {scanned}：请放入 {expected}（第 {slot} 箱）。"),
    "not_a_hold_bin": (409, "Bin {bin} is not in the hold area.", "货位 {bin} 不在暂缓区。"),
    "station_not_found": (404, "Packing station {station} does not exist.", "打包台 {station} 不存在。"),
    "station_not_manned": (409, "No packer is signed in at station {station}: sign in on its page first.",
                           "打包台 {station} 没有打包员签到：请先在打包台页面签到。"),
    "station_busy": (409, "Station {station} is packing order {order}: finish or set it aside first.",
                     "打包台 {station} 正在打包订单 {order}：请先完成或暂放。"),
    "order_at_station": (409, "Order {order} is being packed at station {station}.",
                         "订单 {order} 正在打包台 {station} 打包。"),
    "scan_tote_or_order": (409, "Scan a tote or an order number to start packing.",
                           "请扫描周转箱或订单号开始打包。"),
    "tote_empty": (409, "Tote {tote} holds nothing to pack.", "周转箱 {tote} 中没有待打包的货品。"),
    "not_in_order": (409, "{sku} is not in order {order}: set it aside, it does not go in this parcel.",
                     "{sku} 不属于订单 {order}：请取出放到一边，不要装入此包裹。"),
    "extra_unit": (409, "One {sku} too many: order {order} needs {expected}, all packed already.",
                   "{sku} 多了一件：订单 {order} 只需 {expected} 件，已全部装箱。"),
    "units_missing": (409, "Units still missing from order {order}: {lines}.",
                      "订单 {order} 仍缺少货品：{lines}。"),
    "parcel_empty": (409, "The parcel is empty: scan its units first.", "包裹是空的：请先扫描装箱的货品。"),
    # Weighing at packing (docs/packing.md, "Weighing")
    "weight_mismatch": (409, "The parcel weighs {weight} g but should weigh {expected} g ({difference} g, "
                             "allowed ±{allowed} g): check its contents, or ask a supervisor to override.",
                        "包裹称重 {weight} 克，应为 {expected} 克（相差 {difference} 克，允许 ±{allowed} 克）："
                        "请检查包裹内容，或请主管放行。"),
    "scale_unstable": (409, "The scale is still moving ({weight} g): wait until it settles, then close again.",
                      "秤还未稳定（{weight} 克）：请等读数稳定后再封箱。"),
    "unknown_packaging": (400, "Unknown packaging {packaging}: choose one of {known}.",
                         "未知的包装类型 {packaging}：请从 {known} 中选择。"),
    "override_reason_missing": (400, "A weight override needs a written reason (at least 5 characters).",
                               "称重放行需要填写原因（至少 5 个字符）。"),
    "not_packing": (409, "Station {station} is not packing an order now.", "打包台 {station} 当前没有在打包订单。"),
    "unknown_parcel": (404, "No packed parcel has tracking number {tracking}.",
                       "没有运单号为 {tracking} 的已封箱包裹。"),
    "parcel_not_ready": (409, "Parcel {tracking} is {status}: only closed parcels are handed over.",
                         "包裹 {tracking} 当前状态为 {status_zh}：只有已封箱的包裹才能交接。"),
    "parcel_on_manifest": (409, "Parcel {tracking} is already on manifest {manifest}.",
                           "包裹 {tracking} 已在交接单 {manifest} 上。"),
    "wrong_carrier": (409, "Parcel {tracking} goes with {carrier}, not {expected}.",
                      "包裹 {tracking} 应交给 {carrier}，而不是 {expected}。"),
    "manifest_closed": (409, "Manifest {manifest} is already handed over.", "交接单 {manifest} 已交接完成。"),
    "manifest_empty": (409, "Manifest {manifest} has no parcels.", "交接单 {manifest} 没有包裹。"),
    "parcels_missing": (409, "Order {order} has {missing} more parcel(s) not on this manifest: {trackings}.",
                        "订单 {order} 还有 {missing} 个包裹不在此交接单上：{trackings}。"),
    "driver_confirm_first": (409, "The carrier's driver must confirm the handover first.",
                             "请先由承运司机确认交接。"),
    "reprint_reason_required": (400, "Say why the label is printed again.", "请填写重新打印的原因。"),
    "unknown_return": (404, "Return {case} does not exist.", "退货单 {case} 不存在。"),
    "return_source_unknown": (404, "No shipped order or parcel {code}: open it as an unknown parcel to identify later.",
                              "没有已发货的订单或包裹 {code}：请按未知包裹登记，稍后再识别。"),
    "unknown_return_reason": (400, "Unknown return reason {reason}: choose one of {choices}.",
                              "未知的退货原因 {reason}：请从 {choices} 中选择。"),
    "unknown_judgement": (400, "Judge the unit as one of {choices}, not {judgement}.",
                          "请将该件判定为 {choices} 之一，而不是 {judgement}。"),
    "unknown_disposition": (400, "Unknown disposition {disposition}: choose one of {choices}.",
                            "未知的处理方式 {disposition}：请从 {choices} 中选择。"),
    "not_shipped_in_order": (409, "{sku} was not shipped in order {order}.", "{sku} 不在订单 {order} 的发货内容中。"),
    "over_return": (409, "Order {order} shipped {shipped} of {sku}; {qty} cannot be expected back.",
                    "订单 {order} 只发出 {shipped} 件 {sku}，不能预期退回 {qty} 件。"),
    "return_closed": (409, "Return {case} is {status}: its units can no longer change.",
                      "退货单 {case} 已{status_zh}，其货品不能再更改。"),
    "return_not_ready": (409, "Every unit of return {case} must be inspected and given a disposition before "
                              "signing ({pending} unit(s) without one).",
                         "退货单 {case} 的每件货品都须先检验并确定处理方式才能签核（还有 {pending} 件未定）。"),
    "return_needs_order": (409, "Return {case} is not linked to an order yet: identify the parcel first.",
                           "退货单 {case} 尚未关联订单：请先识别包裹。"),
    "return_linked": (409, "Return {case} is already linked to order {order}.", "退货单 {case} 已关联订单 {order}。"),
    "unit_not_in_return": (404, "Unit {unit} is not part of return {case}.", "货品 {unit} 不属于退货单 {case}。"),
    "restock_needs_good": (409, "Unit {unit} was judged {judgement}: only good units go back to stock.",
                           "货品 {unit} 判定为 {judgement_zh}：只有良品才能重新上架。"),
    "level_not_needed": (409, "Return {case} needs sign-off levels {levels}, not level {level}.",
                         "退货单 {case} 需要第 {levels} 级签核，不需要第 {level} 级。"),
    "level_already_signed": (409, "Level {level} of return {case} is already signed by {user}.",
                             "退货单 {case} 的第 {level} 级已由 {user} 签核。"),
    "level_skipped": (409, "Level {missing} ({role}) must sign return {case} before level {level}: no level may be "
                           "skipped.",
                      "退货单 {case} 须先由第 {missing} 级（{role_zh}）签核，才能签第 {level} 级：不得越级审批。"),
    "signs_once": (409, "{user} already signed level {signed} of return {case}: another person must sign level "
                        "{level}.",
                   "{user} 已签核退货单 {case} 的第 {signed} 级：第 {level} 级须由另一人签核。"),
    "wrong_signer": (403, "Level {level} is signed by a {needed}; your role is {role}.",
                     "第 {level} 级须由{needed_zh}签核；您的角色是{role_zh}。"),
    "chain_incomplete": (409, "Return {case} is not signed off yet: level {level} ({role}) is missing. Nothing "
                              "moves into stock before the chain is complete.",
                         "退货单 {case} 尚未签核完毕：缺少第 {level} 级（{role_zh}）。签核完成前不得入库。"),
    "exchange_exists": (409, "Return {case} already has exchange order {order}.",
                        "退货单 {case} 已有换货订单 {order}。"),
    "exchange_notice_not_printed": (409, "Exchange order {order} ships only against its printed exchange notice "
                                         "{notice}: print it first.",
                                    "换货订单 {order} 须凭系统打印的换货单 {notice} 发货：请先打印。"),
    # --- the returns desk page and returns to vendor (server/services/returns/vendor_returns.py) ---
    "return_cancel_reason_required": (400, "Say why return {case} is cancelled.", "请填写取消退货单 {case} 的原因。"),
    "unknown_vendor_return": (404, "Return to vendor {rtv} does not exist.", "退供应商单 {rtv} 不存在。"),
    "rtv_already_decided": (409, "Return to vendor {rtv} is {state}: only one awaiting approval can be approved.",
                            "退供应商单 {rtv} {state_zh}：只有待批准的单据才能批准。"),
    "rtv_not_approved": (409, "Return to vendor {rtv} is {state}: a manager approves it before its dispatch note "
                              "prints and it is sent.",
                         "退供应商单 {rtv} {state_zh}：须经理批准后才能打印发货单并发出。"),
    "rtv_closed": (409, "Return to vendor {rtv} is {state}: it can no longer change.",
                   "退供应商单 {rtv} {state_zh}，不能再更改。"),
    "rtv_reason_required": (400, "Say why return to vendor {rtv} is cancelled.", "请填写取消退供应商单 {rtv} 的原因。"),
    "same_bin": (409, "Bin {bin} is both where the units come from and where they go.",
                 "调出货位和调入货位都是 {bin}。"),
    "not_enough_free": (409, "Only {free} of {sku} are free in bin {bin} ({reserved} promised to orders): "
                             "{qty} cannot be taken.",
                        "货位 {bin} 中 {sku} 仅有 {free} 件可用（{reserved} 件已分配给订单），无法取出 {qty} 件。"),
    "lot_not_in_bin": (409, "Bin {bin} holds no {sku} of lot {lot}.", "货位 {bin} 中没有批次 {lot} 的 {sku}。"),
    "bin_not_for_stock": (409, "Bin {bin} is a {kind} place: stock is moved only between storage bins.",
                          "货位 {bin} 是{kind_zh}，只能在存储货位之间移库。"),
    "unknown_warehouse": (404, "Warehouse {warehouse} is not configured.", "仓库 {warehouse} 未配置。"),
    "unknown_transfer": (404, "Transfer {transfer} does not exist.", "调拨单 {transfer} 不存在。"),
    "transfer_not_in_transit": (409, "Transfer {transfer} is {status}: it is not waiting to be received.",
                                "调拨单 {transfer} 已{status_zh}，不在待收状态。"),
    "wrong_warehouse": (409, "Bin {bin} is in warehouse {warehouse}; transfer {transfer} goes to {expected}.",
                        "货位 {bin} 属于仓库 {warehouse}；调拨单 {transfer} 应调入 {expected}。"),
    "adjustment_reason": (400, "Say why stock is adjusted: the reason must be one of {reasons}.",
                          "请说明调整原因：原因须为 {reasons} 之一。"),
    "unknown_count": (404, "Count {count} does not exist.", "盘点单 {count} 不存在。"),
    "count_closed": (409, "Count {count} is {status}.", "盘点单 {count} 已{status_zh}。"),
    "nothing_to_count": (409, "Nothing to count for {scope}: no bins, or all of them are in open counts already.",
                         "{scope} 没有可盘点的货位（没有货位，或都已在进行中的盘点内）。"),
    "bin_not_in_count": (409, "Bin {bin} is not in an open count: count only the bins on your list.",
                         "货位 {bin} 不在进行中的盘点内：请只盘点任务列表中的货位。"),
    "item_not_in_count": (409, "{sku} is not to be counted in bin {bin} now.", "货位 {bin} 现在不需要盘点 {sku}。"),
    "count_in_progress": (409, "Bin {bin} is being counted by {user}.", "货位 {bin} 正由 {user} 盘点。"),
    "confirm_bin_empty": (409, "Nothing was counted in bin {bin}: confirm that the bin is empty.",
                          "货位 {bin} 未盘点到任何货品：请确认该货位为空。"),
    "count_line_not_recounted": (409, "Count line {line} is {status}: only recounted lines are approved or rejected.",
                                 "盘点行 {line} 当前状态为{status}：只有已复盘的行才能批准或驳回。"),
    "too_many_attempts": (429, "Too many failed log-ins: try again in {retry_after} s.",
                          "登录失败次数过多，请 {retry_after} 秒后再试。"),
    "payload_too_large": (413, "The request is too large (at most {limit} bytes here).",
                          "请求内容过大（此处最多 {limit} 字节）。"),
    "csrf_failed": (400, "This form or request did not come from our own pages ({detail}): reload the page and try "
                         "again.",
                    "该表单或请求并非来自本系统页面（{detail}）：请刷新页面后重试。"),
    # Imports (server/services/imports): the file, then each refused row's column.
    "file_unreadable": (400, "The file cannot be read: {detail}.", "无法读取文件：{detail}。"),
    "file_empty": (400, "The file has no rows.", "文件中没有数据行。"),
    "file_encoding": (400, "The file is neither UTF-8 nor GBK/GB18030 text: save it as UTF-8 CSV (or XLSX) and "
                      "upload it again.",
                      "文件既不是 UTF-8 也不是 GBK/GB18030 编码：请另存为 UTF-8 CSV（或 XLSX）后重新上传。"),
    "file_encoding_mixed": (400, "The file mixes encodings: line {utf8_line} is UTF-8 but line {line} is not. Save it "
                            "again as UTF-8.",
                            "文件混用了多种编码：第 {utf8_line} 行是 UTF-8，第 {line} 行不是。请重新另存为 UTF-8。"),
    "import_columns_missing": (400, "The {kind} file lacks the column(s) {columns} (its columns: {found}).",
                               "{kind} 文件缺少列：{columns}（文件中的列：{found}）。"),
    "import_required": (422, "{column} is empty.", "{column}为空。"),
    "import_too_long": (422, "{column} is longer than {max_length} characters.", "{column}超过 {max_length} 个字符。"),
    "import_not_a_number": (422, "{column}: {value} is not a number.", "{column}：{value} 不是数字。"),
    "import_negative": (422, "{column}: {value} is negative.", "{column}：{value} 是负数。"),
    "import_too_small": (422, "{column}: {value} is below {minimum}.", "{column}：{value} 小于 {minimum}。"),
    "import_not_whole": (422, "{column}: {value} is not a whole number.", "{column}：{value} 不是整数。"),
    "import_not_yes_no": (422, "{column}: {value} is neither yes nor no.", "{column}：{value} 不是“是”或“否”。"),
    "import_duplicate_in_file": (422, "{column} {value} is already on row {first_row} of this file.",
                                 "{column} {value} 与本文件第 {first_row} 行重复。"),
    "import_bad_check_digit": (422, "{column}: {value} has a wrong check digit.", "{column}：{value} 校验位错误。"),
    "import_bad_barcode": (422, "{column}: {value} is not an EAN-13, UPC-A, EAN-8 or GTIN-14.",
                           "{column}：{value} 不是 EAN-13、UPC-A、EAN-8 或 GTIN-14 条码。"),
    "import_barcode_taken": (422, "{column}: barcode {value} already belongs to item {sku}.",
                             "{column}：条码 {value} 已属于货品 {sku}。"),
    "import_style_name": (422, "{column}: style {style} is named {name}; one style has one name.",
                          "{column}：款式 {style} 的名称是 {name}，同一款式只能有一个名称。"),
    "import_case_qty_missing": (422, "{column}: a case or pack code needs its number of units (more than 1).",
                                "{column}：箱码或中包码需要填写每箱件数（大于 1）。"),
    "import_unknown_kind": (422, "{column}: unknown location type {value} (known: {known}).",
                            "{column}：未知的库位类型 {value}（可用：{known}）。"),
    "import_unknown_bin": (422, "{column}: no bin {value}.", "{column}：库位 {value} 不存在。"),
    "import_unknown_item": (422, "{column}: no item {value}.", "{column}：货品 {value} 不存在。"),
    "import_unknown_role": (422, "{column}: unknown job {value} (known: {known}).",
                            "{column}：未知岗位 {value}（可用：{known}）。"),
    "import_unknown_supplier": (422, "{column}: no supplier {value}.", "{column}：供应商 {value} 不存在。"),
    "import_expiry_required": (422, "{column}: {sku} has a shelf life; its expiry date is needed.",
                               "{column}：{sku} 有保质期，必须填写到期日。"),
    "import_bad_date": (422, "{column}: {value} is not a date (YYYY-MM-DD).",
                        "{column}：{value} 不是日期（YYYY-MM-DD）。"),
    "import_bin_not_stock": (422, "{column}: bin {value} is a {kind} place; opening stock goes on shelves.",
                             "{column}：库位 {value} 是{kind_zh}，期初库存只能放在货架库位。"),
    "import_unknown_kind_name": (400, "Unknown import {kind} (known: {known}).",
                                 "未知的导入类型 {kind}（可用：{known}）。"),
    "opening_stock_loaded": (409, "Opening stock of warehouse {warehouse} was loaded on {at}: a supervisor must "
                             "reopen it before loading again.",
                             "仓库 {warehouse} 的期初库存已于 {at} 导入：需主管重新开放后才能再次导入。"),
    "item_in_use": (409, "{sku} still has {units} unit(s) in stock and {orders} open order(s): it cannot be "
                    "deactivated.", "{sku} 仍有库存 {units} 件、未完成订单 {orders} 个，不能停用。"),
    "import_bin_code_pattern": (422, "{column}: {value} would not scan as a bin (bins here look like A-01-02-3 or "
                                "A01-02-3; [scan] bin_pattern {pattern}).",
                                "{column}：{value} 扫描时不会被识别为库位（库位编码形如 A-01-02-3 或 A01-02-3；"
                                "[scan] bin_pattern {pattern}）。"),
    "bad_range": (400, "{field}: {value} is not a range such as 01-20.", "{field}：{value} 不是有效范围（如 01-20）。"),
    "reason_required": (400, "Write the reason first.", "请先填写原因。"),
    "already_exists": (409, "{what} already exists.", "{what_zh}已存在。"),
    "upload_expired": (410, "The checked file is no longer kept: upload it again.", "已检查的文件已过期，请重新上传。"),
    "bad_layout": (400, "The layout is not valid: {detail}.", "布局设置无效：{detail}。"),
    "item_blocked": (409, "{sku} is blocked ({reason}): it cannot be moved or allocated.",
                     "{sku} 已冻结（{reason}），不能移动或分配。"),
    "lot_blocked": (409, "Lot {lot} of {sku} is blocked ({reason}): it cannot be moved or allocated.",
                    "{sku} 的批次 {lot} 已冻结（{reason}），不能移动或分配。"),
    "quarantine_release_refused": (403, "Units in quarantine bin {bin} leave it only with a supervisor's release: "
                                   "your role ({role}) may not move them.",
                                   "隔离区货位 {bin} 的货品须经主管放行才能移出：您的角色（{role}）无权移动。"),
    "scan_id_conflict": (409, "Scan id {scan_id} was already used for another scan: this one was not applied. "
                         "Scan again.", "扫描编号 {scan_id} 已用于另一次扫描，本次未生效，请重新扫描。"),
    "order_rows_disagree": (422, "Order {order} is on row {first_row} with another {columns}: rows of one order "
                            "must agree (two customers with one order number?). Nothing imported.",
                            "订单 {order} 与第 {first_row} 行的 {columns} 不一致：同一订单的各行必须一致"
                            "（是否两位客户用了同一订单号？）。未导入任何数据。"),
    "import_rejected": (422, "Nothing imported: {count} row(s) have errors.",
                        "未导入任何数据：{count} 行有错误。"),
    # --- people and suppliers (server/services/people/users.py, server/services/catalogue/suppliers.py) ---
    "badge_not_allowed": (403, "Badge log-in is for floor staff; as {role} log in with your user name and password.",
                          "工牌登录仅限一线员工；{role_zh}请使用用户名和密码登录。"),
    "username_invalid": (400, "User name {username} is not valid: 1 to 64 letters, digits, dots, dashes or "
                         "underscores.", "用户名 {username} 无效：须为 1 至 64 个字母、数字、点、连字符或下划线。"),
    "username_taken": (409, "User name {username} is already taken.", "用户名 {username} 已被使用。"),
    "unknown_role": (400, "Unknown role {role} (known: {known}).", "未知角色 {role}（可用：{known}）。"),
    "password_too_short": (400, "The password must have at least {minimum} characters.",
                           "密码至少需要 {minimum} 个字符。"),
    "cannot_deactivate_self": (409, "You cannot deactivate yourself: another manager or administrator must.",
                               "不能停用自己的账号：须由其他经理或管理员操作。"),
    "last_admin": (409, "{username} is the last active administrator: make another administrator first.",
                   "{username} 是最后一位在用的管理员：请先设置另一位管理员。"),
    "employee_no_taken": (409, "Staff number {employee_no} already belongs to {username}.",
                          "工号 {employee_no} 已属于 {username}。"),
    "badge_taken": (409, "Badge {badge} already belongs to {username}.", "工牌 {badge} 已属于 {username}。"),
    "field_too_long": (400, "{field} is longer than {max_length} characters.", "{field} 超过 {max_length} 个字符。"),
    "import_bad_staff_no": (422, "{column}: {value} is not a staff number (letters, digits, dots, dashes).",
                            "{column}：{value} 不是有效工号（字母、数字、点、连字符）。"),
    "import_username_taken": (422, "{column}: {value} would be user {username}, whom someone else already is.",
                              "{column}：{value} 对应的用户名 {username} 已被他人使用。"),
    "import_supplier_name_taken": (422, "{column}: supplier {code} is already named {value}.",
                                   "{column}：供应商 {code} 已使用名称 {value}。"),
    "supplier_inactive": (409, "Supplier {supplier} is inactive: purchase orders name only active suppliers.",
                          "供应商 {supplier} 已停用：采购单只能使用在用的供应商。"),
    "item_inactive": (409, "Item {sku} is inactive: purchase orders name only active items.",
                      "货品 {sku} 已停用：采购单只能使用在用的货品。"),
    # shelf life (保质期)
    "expiry_required": (422, "{sku} has a shelf life: scan or type its expiry or production date.",
                        "{sku} 有保质期：请扫描或输入有效期或生产日期。"),
    "expiry_passed": (422, "{sku} expired on {expiry}: not received.", "{sku} 已于 {expiry} 过期，拒收。"),
    "expiry_too_short": (422, "{sku} expires on {expiry}, {days} days from now; at least {minimum} days are "
                              "required: not received.",
                         "{sku} 有效期至 {expiry}，仅剩 {days} 天，要求至少 {minimum} 天，拒收临期。"),
    # --- item labels (server/services/printing/item_labels.py) ---
    "bad_label_qty": (400, "Print between 1 and {max} labels, not {qty}.",
                      "标签数量须在 1 到 {max} 之间，不能是 {qty}。"),
    "label_barcode_too_long": (400, "SKU {sku} is too long for a Code 128 on {width_mm} mm wide labels: use wider "
                               "label stock, or give the item an EAN-13.",
                               "货品编码 {sku} 太长，{width_mm} 毫米宽的标签放不下 Code 128 条码："
                               "请换更宽的标签，或为货品添加 EAN-13 条码。"),
    "no_item_labels": (409, "No unit on {what} needs an item label (none arrives unlabelled or was restocked).",
                       "{what_zh} 没有需要打印货品标签的货品（没有到货无标签或重新入库的货品）。"),
    "try_again": (503, "The server lost its database for a moment: the scan is kept and sent again.",
                  "服务器与数据库的连接短暂中断：扫描已保留，将自动重发。"),
    "database_unavailable": (503, "The database is not answering for a moment: try again in a few seconds.",
                             "数据库暂时没有响应，请几秒后重试。"),
    "internal_error": (500, "The server could not handle this; it was logged.",
                       "服务器无法处理此请求，已记录。"),
    # --- order cancellation and put-back (issue 26: server/services/orders/cancellation.py,
    # server/services/orders/put_back.py) ---
    "cancel_reason_required": (400, "A cancellation needs its reason, written out.", "取消订单须写明原因。"),
    "order_already_cancelled": (409, "Order {order} is already cancelled ({reason}).",
                                "订单 {order} 已经取消（{reason}）。"),
    "order_handed_over": (409, "Order {order} was handed over to the carrier: it can no longer be cancelled. "
                               "Open a return (退货) for it when it comes back.",
                          "订单 {order} 已交接给承运商，不能再取消：货物退回时请为其登记退货。"),
    "order_cancelled": (409, "Order {order} was cancelled: do not pack or ship it; its units go back to the "
                             "shelves (put-back task).",
                        "订单 {order} 已取消：不要打包或发货，货品请放回货架（归位任务）。"),
    "parcel_voided": (409, "Parcel {tracking} was voided (order {order} cancelled): do not ship it.",
                      "包裹 {tracking} 已作废（订单 {order} 已取消）：不要发货。"),
    "label_voided": (409, "Print job {job} was voided (its order was cancelled): it is not printed again.",
                     "打印任务 {job} 已作废（其订单已取消），不再打印。"),
    "tote_awaits_put_back": (409, "Tote {tote} holds units of cancelled order {order}: put them back first, "
                                  "or take another tote.",
                             "周转箱 {tote} 装有已取消订单 {order} 的货品：请先放回货架，或换一个周转箱。"),
    "no_put_back_here": (404, "Nothing to put back from {code}.", "{code} 没有待归位的货品。"),
    "not_on_put_back": (409, "{sku} is not on put-back task {task}, or all of it is back.",
                        "{sku} 不在归位任务 {task} 中，或已全部放回。"),
    "put_back_too_many": (409, "Only {remaining} of {sku} left to put back, not {qty}.",
                          "{sku} 只剩 {remaining} 件待归位，而不是 {qty} 件。"),
    "put_back_bad_bin": (409, "Bin {bin} cannot take these units back (not an open shelf bin): "
                              "put them into {suggested}.",
                         "货位 {bin} 不能放回这些货品（不是可用的货架货位）：请放到 {suggested}。"),
    "put_back_done": (409, "Put-back task {task} is finished.", "归位任务 {task} 已完成。"),
}


# The things a "not found" can be about, as the Chinese message names them.
WHAT_ZH = {"device": "设备", "supplier": "供应商", "item": "货品", "product": "商品", "receipt": "收货单",
           "inspection": "检验", "put-away task": "上架任务", "purchase order": "采购单", "bin": "货位",
           "open pick list": "可领取的拣货单", "pick list": "拣货单", "picked stop": "已拣站点", "order line": "订单行",
           "order": "订单", "wave": "波次", "manifest": "交接单", "parcel": "包裹",
           "put-back task": "归位任务", "lot": "批次", "return": "退货", "work order": "加工单",
           "import job": "导入任务", "pick face": "拣货位", "open replenishment task": "未完成的补货任务",
           "user": "用户", "kit": "组合装货品", "table": "报表中的表格"}


# Who a refusal names (`role`: a permission group, or the kind of a device acting by its token) in words.
WHO = {role: names for role, names in ROLE_NAMES.items()} | {
    "pda": ("handheld", "手持终端"), "scanner_bridge": ("scanner bridge", "扫描桥"),
    "printer_agent": ("printer agent", "打印代理"), "device": ("device", "设备")}
# Statuses (codes the database keeps) as a sentence says them (server/domain/status_words.py).
STATUS_NAMES = {code: (english.lower(), chinese) for code, (english, chinese, _) in STATUSES.items()}
# The fields that carry such a code, each said in words: `role` in every message, these in theirs.
NAMED_FIELDS = {"bad_job_state": {"current": STATUS_NAMES, "new": STATUS_NAMES},
                "bad_order_state": {"status": STATUS_NAMES, "expected": STATUS_NAMES},
                "count_line_not_recounted": {"status": STATUS_NAMES},
                "wrong_device_kind": {"kind": WHO, "expected": WHO}}


@dataclass(frozen=True)
class Words:
    """A message's free part (`detail`) in both languages: the English message takes `en`, the Chinese `zh`,
    so that a Chinese reader is not handed an English phrase inside a Chinese sentence."""

    en: str
    zh: str

    def __str__(self) -> str:
        return self.en

    @staticmethod
    def of(error: BaseException, zh: str) -> Words:
        """The Words an exception was raised with (`ValueError(Words(…))`), else its English text with `zh`."""
        said = error.args[0] if error.args else None
        return said if isinstance(said, Words) else Words(str(error), zh)


class WmsError(Exception):
    """A refusal a user must understand: carries a stable code and bilingual message fields."""

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in CATALOG:
            raise KeyError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def http_status(self) -> int:
        return CATALOG[self.code][0]

    def message(self) -> dict[str, str]:
        _, en, zh = CATALOG[self.code]
        fields = {"what_zh": _what_zh(str(self.params.get("what", ""))),
                  "status_zh": STATUS_ZH.get(str(self.params.get("status")), self.params.get("status"))
                  } | self.params
        for name, names in ({"role": WHO} | NAMED_FIELDS.get(self.code, {})).items():
            if isinstance(fields.get(name), str) and fields[name] in names:
                fields[name] = Words(*names[fields[name]])  # "拣货员", "待审核": not picker, pending_review
        return {"en": en.format(**{k: v.en if isinstance(v, Words) else v for k, v in fields.items()}),
                "zh": zh.format(**{k: v.zh if isinstance(v, Words) else v for k, v in fields.items()})}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message()}


def _what_zh(what: str) -> str:
    """'put-away task 12' -> '上架任务 12'; paths and codes pass unchanged."""
    for english in sorted(WHAT_ZH, key=len, reverse=True):
        if what.startswith(english):
            return WHAT_ZH[english] + what[len(english):]
    return what


class ImportRejected(WmsError):
    """A file with errors imports nothing; every bad row is named with its reason."""

    def __init__(self, rows: list[dict]) -> None:
        super().__init__("import_rejected", count=len(rows))
        self.rows = rows

    def as_dict(self) -> dict:
        return super().as_dict() | {"rows": self.rows}
