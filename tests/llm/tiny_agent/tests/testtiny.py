import unittest


class TinyTest(unittest.TestCase):
    def test_the_package_imports(self) -> None:
        import tiny_agent

        self.assertTrue(tiny_agent.__doc__)


if __name__ == "__main__":
    unittest.main()
