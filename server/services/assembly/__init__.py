"""Work orders (加工单): kits assembled from their components (组装) and taken apart (拆卸)."""
