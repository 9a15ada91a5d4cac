# A student's nbgrader settings: which course, and where its exchange is.
# Installed as /etc/jupyter/nbgrader_config.py in the students' image (see README,
# "Running a class"); instructors' own ~/.jupyter/nbgrader_config.py adds the course root.
c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

c.CourseDirectory.course_id = "autodiff"
# Shared storage every account mounts at the same path (NFS, CephFS, a cloud file share):
# students write their submissions to inbound/, read releases from outbound/.
c.Exchange.root = "/srv/nbgrader/exchange"
