"""Arm's Python SDK (mbed-cloud-sdk 2.2.0) as a client of the device-cloud emulator.

One scenario per run: python sdk_client.py <scenario>. The emulator's URL and
API key come from SHELFPULSE_HOST and SHELFPULSE_API_KEY; each scenario prints
one JSON object per line (flushed), which the vitest test reads.
"""
import json
import os
import sys
import threading
import time
import warnings

warnings.simplefilter("ignore")  # the SDK marks parts of itself beta with FutureWarnings

from mbed_cloud.connect import ConnectAPI  # noqa: E402
from mbed_cloud.exceptions import CloudAsyncError  # noqa: E402

COUNT = "/10341/0/26342"


# The SDK's notification thread and the main thread both report: one whole
# line at a time, or two lines interleave into one the test cannot read.
_emit_lock = threading.Lock()


def emit(**fields):
    line = json.dumps(fields)
    with _emit_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def api(**config):
    return ConnectAPI(dict(api_key=os.environ["SHELFPULSE_API_KEY"], host=os.environ["SHELFPULSE_HOST"], **config))


def wait_for_stdin_line():
    """The test writes a line when it has done its part (changed values, ...)."""
    sys.stdin.readline()


def proxy():
    """The tutorial's pattern: long poll, subscribe every shelf, a callback per value."""
    connect = api()
    connect.start_notifications()
    expected = int(os.environ["SHELFPULSE_EXPECTED"])
    received = []
    done = threading.Event()

    def on_value(device_id, path, value):
        value = value.decode() if isinstance(value, bytes) else value  # notifications come as bytes
        received.append(value)
        emit(event="value", device=device_id, path=path, value=value)
        if len(received) >= expected:
            done.set()

    for device in connect.list_connected_devices(filters={"device_type": {"$eq": "smart-shelf"}}):
        connect.add_resource_subscription_async(device.id, COUNT, on_value)
    emit(event="ready")
    done.wait(60)
    connect.stop_notifications()
    emit(event="done", count=len(received))


def paging():
    connect = api()
    pages = connect.list_connected_devices(page_size=2, order="asc")
    ids = [device.id for device in pages]
    emit(event="devices", ids=ids, total=pages.count())


def reads():
    connect = api()
    device = os.environ["SHELFPULSE_DEVICE"]
    connect.start_notifications()
    emit(event="value", value=connect.get_resource_value(device, COUNT, timeout=30))
    try:
        connect.get_resource_value(device, "/10341/0/999", timeout=30)
        emit(event="missing", error=None)
    except CloudAsyncError as error:
        emit(event="missing", error=str(error))
    connect.set_resource_value(device, COUNT, "7", timeout=30)
    emit(event="written", value=connect.get_resource_value(device, COUNT, timeout=30))
    connect.stop_notifications()


def early_answer():
    """A read whose answer comes before the first long poll: it must still arrive."""
    connect = api(autostart_notification_thread=False)
    consumer = connect.get_resource_value_async(os.environ["SHELFPULSE_DEVICE"], COUNT)
    wait_for_stdin_line()  # the device has answered; no channel exists yet
    connect.start_notifications()
    emit(event="value", value=consumer.wait(30))
    connect.stop_notifications()


def subscriptions():
    connect = api()
    device = os.environ["SHELFPULSE_DEVICE"]
    connect.update_presubscriptions([{"device_id": "py-sub-*", "resource_paths": [COUNT]}, {"device_type": "smart-shelf"}])
    rules = [
        {"device_id": p.device_id, "device_type": p.device_type, "resource_paths": p.resource_paths}
        for p in connect.list_presubscriptions()
    ]
    emit(event="presubscriptions", rules=rules)
    connect.start_notifications()
    connect.add_resource_subscription(device, COUNT)
    emit(
        event="subscribed",
        listed=[p for p in connect.list_device_subscriptions(device) if p],
        status=connect.get_resource_subscription(device, COUNT),
    )
    connect.delete_resource_subscription(device, COUNT)
    emit(event="unsubscribed", status=connect.get_resource_subscription(device, COUNT))
    connect.delete_presubscriptions()
    emit(event="cleared", rules=len(connect.list_presubscriptions()))
    connect.stop_notifications()


def webhook():
    """update_webhook() after stop_notifications(): the SDK deletes the long-poll channel first."""
    connect = api()
    connect.start_notifications()
    connect.stop_notifications()
    connect.update_webhook(os.environ["SHELFPULSE_WEBHOOK"], headers={"x-shelf-secret": "s3cret"})
    emit(event="webhook", url=connect.get_webhook().url)
    connect.add_resource_subscription(os.environ["SHELFPULSE_DEVICE"], COUNT)
    emit(event="subscribed")
    wait_for_stdin_line()  # the test saw the values at its receiver
    connect.delete_webhook()
    emit(event="deleted")


if __name__ == "__main__":
    {
        "proxy": proxy,
        "paging": paging,
        "reads": reads,
        "early-answer": early_answer,
        "subscriptions": subscriptions,
        "webhook": webhook,
    }[sys.argv[1]]()
