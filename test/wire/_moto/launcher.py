"""
moto_server for dbops' wire tests: moto 5.2's own server, with the gaps that are moto's
(not AWS's) bridged, a request log, and a few test-only controls. Started by
test/wire/_moto/server.ts; never used by dbops itself.

- Binds 127.0.0.1 on a free port and prints "PORT <n>" on stdout once it listens.
- Exits when its stdin closes, so a test process that dies (even SIGKILL) takes it along.
- Logs every AWS request as one JSON line {service, action, agent} to the file given by
  --log (the tier counts the distinct operations dbops sent on the wire).
- POST /_wire/fault {"action": "DescribeDBInstances", "code": "AccessDenied", "status": 403}
  makes that action fail (an emulator told to deny or to throttle); {"action": null} clears.
  Optional "match" (a string the request body must contain, e.g. an instance id) and
  "times" (fail that many matching requests, then answer normally again).
- POST /_wire/backdate {"region", "snapshot", "createdAt"} back-dates an RDS snapshot
  (AWS snapshots age; moto's are always "now").

Bridges (each is AWS behaviour moto 5.2.1 gets wrong):
- RDS: a backup window that only touches the maintenance window is accepted (AWS accepts
  03:00-04:00 with sun:04:00-sun:05:00; moto rejects it as overlapping).
- RDS: a promoted read replica no longer names its source, nor the source it (moto keeps
  both links, so a promotion never looks finished).
- RDS: a cluster whose master password RDS manages (ManageMasterUserPassword) can be
  restored from its snapshot or to a point in time (moto fails on the missing password).
- RDS: DescribePendingMaintenanceActions answers "nothing pending" (moto has no maintenance
  and does not implement the call).
- ElastiCache: a replication group's member clusters (<rg>-001 ...) exist for
  DescribeCacheClusters with the group's engine, version, node type and security groups;
  cache clusters report SecurityGroups; a deleted replication group (and its members)
  disappears instead of staying "deleting" forever.
"""
import argparse
import io
import re
import json
import os
import sys
import threading
from datetime import datetime, timezone
from urllib.parse import parse_qs

from werkzeug.serving import make_server

import moto.rds.utils as rds_utils
import moto.elasticache.models as ec_models
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


# --- RDS: touching windows do not overlap -------------------------------------------
_overlap = rds_utils.get_overlap_between_two_date_ranges


def _overlap_exclusive(s1, e1, s2, e2):
    seconds = _overlap(s1, e1, s2, e2)
    return -1 if seconds == 0 else seconds


rds_utils.get_overlap_between_two_date_ranges = _overlap_exclusive


# --- ElastiCache: member clusters, security groups, deletion --------------------------
def _security_groups(self):
    return [{"SecurityGroupId": sg, "Status": "active"} for sg in (self.security_group_ids or [])]


ec_models.CacheCluster.security_groups = property(_security_groups)

_create_rg = ec_models.ElastiCacheBackend.create_replication_group
_delete_rg = ec_models.ElastiCacheBackend.delete_replication_group


def _create_replication_group(self, *args, **kwargs):
    rg = _create_rg(self, *args, **kwargs)
    for member in rg.member_clusters:
        if member in self.cache_clusters:
            continue
        cluster = ec_models.CacheCluster(
            account_id=self.account_id, region_name=self.region_name, cache_cluster_id=member,
            cache_node_type=rg.cache_node_type, replication_group_id=rg.replication_group_id,
            az_mode=None, preferred_availability_zone=None, num_cache_nodes=1,
            engine=rg.engine, engine_version=rg.engine_version,
            cache_parameter_group_name=rg.cache_parameter_group_name,
            cache_subnet_group_name=rg.cache_subnet_group_name,
            transit_encryption_enabled=rg.transit_encryption_enabled, network_type=None, ip_discovery=None,
            snapshot_name=None, preferred_maintenance_window=rg.preferred_maintenance_window, port=rg.port,
            notification_topic_arn=rg.notification_topic_arn, auto_minor_version_upgrade=rg.auto_minor_version_upgrade,
            snapshot_retention_limit=rg.snapshot_retention_limit, snapshot_window=rg.snapshot_window,
            auth_token=None, outpost_mode=None, preferred_outpost_arn=None, preferred_availability_zones=None,
            cache_security_group_names=rg.cache_security_group_names, security_group_ids=rg.security_group_ids,
            tags=None, snapshot_arns=None, preferred_outpost_arns=None, log_delivery_configurations=[],
            cache_node_ids_to_remove=None, cache_node_ids_to_reboot=None,
        )
        cluster.auth_token_enabled = rg.auth_token_enabled
        cluster.at_rest_encryption_enabled = rg.at_rest_encryption_enabled
        self.cache_clusters[member] = cluster
    return rg


def _delete_replication_group(self, replication_group_id, retain_primary_cluster):
    members = list(self.replication_groups[replication_group_id].member_clusters) if replication_group_id in self.replication_groups else []
    rg = _delete_rg(self, replication_group_id, retain_primary_cluster)
    # AWS answers "deleting", then the group and its members are gone.
    del self.replication_groups[replication_group_id]
    for member in members:
        self.cache_clusters.pop(member, None)
    return rg


ec_models.ElastiCacheBackend.create_replication_group = _create_replication_group
ec_models.ElastiCacheBackend.delete_replication_group = _delete_replication_group


# --- Budgets: tags and subscribers ---------------------------------------------------
# moto stores a budget's notifications with their subscribers but answers neither
# ListTagsForResource nor DescribeSubscribersForNotification (HTML 404), and drops the
# ResourceTags of CreateBudget. AWS has all three.
import moto.budgets.responses as budgets_responses

_budget_tags = {}
_create_budget = budgets_responses.BudgetsResponse.create_budget
_delete_budget = budgets_responses.BudgetsResponse.delete_budget


def _budget_arn(account_id, name):
    return f"arn:aws:budgets::{account_id}:budget/{name}"


def _create_budget_with_tags(self):
    out = _create_budget(self)
    name = self._get_param("Budget")["BudgetName"]
    _budget_tags[_budget_arn(self._get_param("AccountId"), name)] = list(self._get_param("ResourceTags", []) or [])
    return out


def _delete_budget_with_tags(self):
    out = _delete_budget(self)
    _budget_tags.pop(_budget_arn(self._get_param("AccountId"), self._get_param("BudgetName")), None)
    return out


def _list_tags_for_resource(self):
    return json.dumps({"ResourceTags": _budget_tags.get(self._get_param("ResourceARN"), [])})


def _describe_subscribers_for_notification(self):
    wanted = self._get_param("Notification")
    budget = self.backend.budgets[self._get_param("AccountId")][self._get_param("BudgetName")]
    for n in budget.notifications:
        d = n.details
        same = all(d.get(k) == wanted.get(k) for k in ("NotificationType", "ComparisonOperator"))
        if same and float(d.get("Threshold", 0)) == float(wanted.get("Threshold", 0)):
            return json.dumps({"Subscribers": n.subscribers})
    return json.dumps({"Subscribers": []})


budgets_responses.BudgetsResponse.create_budget = _create_budget_with_tags
budgets_responses.BudgetsResponse.delete_budget = _delete_budget_with_tags
budgets_responses.BudgetsResponse.list_tags_for_resource = _list_tags_for_resource
budgets_responses.BudgetsResponse.describe_subscribers_for_notification = _describe_subscribers_for_notification


# --- RDS: DescribePendingMaintenanceActions (not implemented by moto 5.2.1) -------------
# moto models no maintenance, so AWS's answer for such an account: nothing pending.
import moto.rds.responses as rds_responses
from moto.core.responses import ActionResult as _ActionResult


def _describe_pending_maintenance_actions(self):
    return _ActionResult({"PendingMaintenanceActions": []})


rds_responses.RDSResponse.describe_pending_maintenance_actions = _describe_pending_maintenance_actions


# --- RDS: a promoted replica leaves its source (moto 5.2.1 keeps both links) --------------
import moto.rds.models as rds_models

_promote = rds_models.RDSBackend.promote_read_replica


def _promote_read_replica(self, db_kwargs):
    database = self.databases[db_kwargs["db_instance_identifier"]]
    source_id = database.source_db_instance_identifier
    promoted = _promote(self, db_kwargs)
    if source_id:
        source = self.databases.get(source_id)
        if source is not None and promoted.db_instance_identifier in source.replicas:
            source.remove_replica(promoted)
        promoted.source_db_instance_identifier = None
    return promoted


rds_models.RDSBackend.promote_read_replica = _promote_read_replica


# --- RDS: a cluster with an RDS-managed master password restores (moto 5.2.1 expects a password) --
def _cluster_cfg(self):
    cfg = self.__dict__.copy()
    cfg.pop("backend")
    cfg["master_user_password"] = cfg.pop("_master_user_password", None)
    cfg["enable_http_endpoint"] = cfg.pop("_enable_http_endpoint", None)
    cfg["vpc_security_group_ids"] = cfg.pop("_vpc_security_group_ids", None)
    return cfg


rds_models.DBCluster.get_cfg = _cluster_cfg


# --- the request log, faults and test controls ---------------------------------------
# REST-JSON services name their operation by method and path only (EventBridge Scheduler).
REST_ROUTES = {
    "scheduler": [
        ("POST", r"^/schedules/[^/]+$", "CreateSchedule"),
        ("PUT", r"^/schedules/[^/]+$", "UpdateSchedule"),
        ("GET", r"^/schedules/[^/]+$", "GetSchedule"),
        ("DELETE", r"^/schedules/[^/]+$", "DeleteSchedule"),
        ("GET", r"^/schedules/?$", "ListSchedules"),
        ("POST", r"^/schedule-groups/[^/]+$", "CreateScheduleGroup"),
        ("GET", r"^/schedule-groups/[^/]+$", "GetScheduleGroup"),
        ("DELETE", r"^/schedule-groups/[^/]+$", "DeleteScheduleGroup"),
        ("GET", r"^/schedule-groups/?$", "ListScheduleGroups"),
        ("GET", r"^/tags/.+$", "ListTagsForResource"),
        ("POST", r"^/tags/.+$", "TagResource"),
        ("DELETE", r"^/tags/.+$", "UntagResource"),
    ],
}


class Wire:
    def __init__(self, app, log_path):
        self.app = app
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.faults = {}
        self.lock = threading.Lock()

    @staticmethod
    def _service(environ):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if "Credential=" in auth:
            parts = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
            if len(parts) >= 4:
                return parts[3]
        return None

    @staticmethod
    def _rest_action(environ, service):
        """The operation of a REST-JSON request (no X-Amz-Target): method and path."""
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        for route_method, pattern, name in REST_ROUTES.get(service, []):
            if method == route_method and re.match(pattern, path):
                return name
        return None

    @staticmethod
    def _action(environ, body):
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.rsplit(".", 1)[-1]
        ctype = environ.get("CONTENT_TYPE", "")
        if "x-www-form-urlencoded" in ctype and body:
            values = parse_qs(body.decode("utf-8", "replace")).get("Action")
            if values:
                return values[0]
        query = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
        return query[0] if query else None

    def _control(self, environ, start_response, path, body):
        data = json.loads(body or b"{}")
        if path == "/_wire/fault":
            with self.lock:
                if data.get("action"):
                    self.faults[data["action"]] = data
                else:
                    self.faults.clear()
        elif path == "/_wire/backdate":
            from moto.rds.models import rds_backends
            from moto.core import DEFAULT_ACCOUNT_ID

            backend = rds_backends[DEFAULT_ACCOUNT_ID][data["region"]]
            snap = backend.database_snapshots[data["snapshot"]]
            snap.created = datetime.fromisoformat(data["createdAt"].replace("Z", "+00:00")).astimezone(timezone.utc)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    def _take_fault(self, action, body):
        """The fault armed for this request, if any: "match" must occur in the request body;
        "times" counts down and disarms it (a one-off failure)."""
        fault = self.faults.get(action)
        if fault is None:
            return None
        if fault.get("match") and fault["match"] not in body.decode("utf-8", "replace"):
            return None
        if "times" in fault:
            fault["times"] -= 1
            if fault["times"] <= 0:
                del self.faults[action]
        return fault

    def _fault(self, environ, start_response, service, fault):
        status = int(fault.get("status", 400))
        code = fault.get("code", "AccessDenied")
        message = fault.get("message", f"User: arn:aws:iam::123456789012:user/wire is not authorized to perform: {service}:{fault['action']}")
        reason = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
        if "json" in environ.get("CONTENT_TYPE", ""):
            # JSON protocols (Budgets, CloudWatch's JSON 1.0, Secrets Manager, ...).
            payload = json.dumps({"__type": code, "message": message}).encode()
            headers = [("Content-Type", environ.get("CONTENT_TYPE")), ("x-amzn-ErrorType", code), ("x-amzn-query-error", f"{code};Sender")]
        elif service == "ec2":
            payload = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>wire-fault</RequestID></Response>"
            ).encode()
            headers = [("Content-Type", "text/xml")]
        else:
            payload = (
                f'<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>'
                f"<RequestId>wire-fault</RequestId></ErrorResponse>"
            ).encode()
            headers = [("Content-Type", "text/xml")]
        start_response(f"{status} {reason}", headers + [("Content-Length", str(len(payload)))])
        return [payload]

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_wire/"):
            return self._control(environ, start_response, path, body)
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        service = self._service(environ)
        action = self._action(environ, body) or self._rest_action(environ, service)
        if self.log is not None and service and action:
            agent = "readback" if "wire-readback" in environ.get("HTTP_USER_AGENT", "") else "dbops"
            self.log.write(json.dumps({"service": service, "action": action, "agent": agent}) + "\n")
        fault = None
        if action and "wire-readback" not in environ.get("HTTP_USER_AGENT", ""):
            with self.lock:
                fault = self._take_fault(action, body)
        if fault is not None:
            return self._fault(environ, start_response, service, fault)
        return self.app(environ, start_response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", default=None)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", "0")
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, Wire(app, args.log), threaded=True)
    os.environ["MOTO_PORT"] = str(server.port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.port}", flush=True)
    # The parent holds our stdin open; when it exits (or dies), stdin closes and so do we.
    try:
        sys.stdin.buffer.read()
    finally:
        server.shutdown()
        os._exit(0)


if __name__ == "__main__":
    main()
