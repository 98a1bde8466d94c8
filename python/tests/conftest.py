"""The plugin's own tests run pytest inside pytest (pytester) to try its options."""

pytest_plugins = ["pytester"]
