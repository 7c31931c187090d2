pytest_plugins = ["pm_common.testing.fixtures"]
