"""The warehouse server: bins, stock, scans and print jobs behind REST and Socket.IO."""
