import os, sys
sys.path.insert(0, os.getcwd())
from fizzbuzz import fizzbuzz
assert fizzbuzz(15) == ['1','2','Fizz','4','Buzz','Fizz','7','8','Fizz','Buzz','11','Fizz','13','14','FizzBuzz'], fizzbuzz(15)
assert fizzbuzz(0) == []
