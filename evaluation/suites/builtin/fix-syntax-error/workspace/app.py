def status()
    return 'ready'


if __name__ == '__main__':
    print(status())
