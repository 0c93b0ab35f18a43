def clean_voucher(data):
    return list(data)
