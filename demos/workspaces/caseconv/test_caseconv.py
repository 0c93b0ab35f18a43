import unittest

from caseconv import camel_to_snake, snake_to_camel


class CaseConvTest(unittest.TestCase):
    def test_snake_to_camel(self):
        self.assertEqual(snake_to_camel("user_id"), "userId")
        self.assertEqual(snake_to_camel("max_retry_count"), "maxRetryCount")
        self.assertEqual(snake_to_camel("name"), "name")

    def test_camel_to_snake(self):
        self.assertEqual(camel_to_snake("userId"), "user_id")
        self.assertEqual(camel_to_snake("maxRetryCount"), "max_retry_count")


if __name__ == "__main__":
    unittest.main()
