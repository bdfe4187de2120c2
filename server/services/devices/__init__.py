"""Devices and printers as an administrator keeps them: printers, packing stations, handhelds, scanner
bridges and printer agents — add, edit, retire, pair (a token shown once, also as a QR code)."""
