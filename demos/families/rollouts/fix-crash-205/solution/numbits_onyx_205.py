def largest(nums):
    if not nums:
        return None
    return max(nums)
