"""Label printing: ZPL labels, printer transports, the printer agent and a Zebra emulator."""
