# JupyterHub for one class of this course: students, a few instructors, and one shared
# grading server (the formgrader) run as a JupyterHub service by a grading account.
#
# Accounts (system users, or whatever your authenticator and spawner map them to):
#   grader-autodiff      owns the course repository (~/autodiff: this repository) and
#                        the gradebook; runs the formgrader service below
#   instructor1, ...     members of the formgrade-autodiff group: reach the service
#   students             everyone else in allowed_users
# Every account mounts the exchange at /srv/nbgrader/exchange (shared storage, with
# the permissions `nbgrader release_assignment` sets up: outbound readable by all,
# inbound writable but not listable).
# The students' image installs the student package only (a wheel built from
# deploy/student-package/: adcourse, no grader, references or hidden tests; never
# `pip install .` of this repository) and deploy/student/ as its system-wide Jupyter configuration (/etc/jupyter): the
# formgrader and create-assignment extensions are off, assignment list and validate on.
c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

COURSE = "autodiff"  # must equal c.CourseDirectory.course_id and the service's name
INSTRUCTORS = ["instructor1", "instructor2"]
STUDENTS = ["student1", "student2"]  # or an authenticator that admits the class list

c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.Authenticator.admin_users = {INSTRUCTORS[0]}
c.Spawner.default_url = "/lab"
# Grading runs kernels in a sandbox and forks them from a warm server: give the grading
# account the cores; students' servers stay small.
c.Spawner.mem_limit = "2G"
c.Spawner.cpu_limit = 1

# nbgrader finds the formgrader of a course through a group named formgrade-<course>.
c.JupyterHub.load_groups = {f"formgrade-{COURSE}": {"users": INSTRUCTORS}}
c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [f"access:services!service={COURSE}", "list:services",
                   f"read:services!service={COURSE}"],
    },
    # The course list extension asks the hub which services the user can reach.
    {"name": "server", "scopes": ["inherit"]},
]
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": "http://127.0.0.1:9999",
        "command": ["jupyterhub-singleuser", "--ServerApp.port=9999"],
        "user": f"grader-{COURSE}",
        "cwd": f"/home/grader-{COURSE}/{COURSE}",
        "environment": {"JUPYTERHUB_DEFAULT_URL": "/lab"},
    }
]
# nbgrader's formgrader panel is an iframe; JupyterHub >= 4.1 forbids same-origin
# iframes unless each server has its own subdomain (recommended), see nbgrader's
# "Formgrader with jupyterhub>=4.1". Without subdomains, open /services/autodiff/formgrader
# in its own browser tab.
# c.JupyterHub.enable_subdomains = True
# c.JupyterHub.subdomain_host = "https://hub.example.edu"
