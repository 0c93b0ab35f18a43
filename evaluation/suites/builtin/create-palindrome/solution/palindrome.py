def is_palindrome(text):
    s = [c.lower() for c in text if c.isalnum()]
    return s == s[::-1]
